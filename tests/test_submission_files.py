"""Only regular files of a submission are read (issue 24, item 6): classgrade runs as root, and a symbolic link in a
submission folder (`notes.txt` -> the instructor's source notebook) once copied its target into the student's kernel.
Links (to files, to folders, to devices), named pipes and sockets are neither followed nor opened, and the summary
says what was skipped. No kernel: intake only."""
from __future__ import annotations

import os
import socket

import nbformat
import pytest

from instructor_only.grading.classgrade import intake

SOLUTION = b"the instructor's solution"


@pytest.fixture
def hostile_folder(tmp_path):
    """submitted/mallory/a1/ with a notebook, a data file in a subfolder, and every kind of thing that is not a
    regular file; the instructor's files outside it."""
    outside = tmp_path / "source"
    (outside / "a1").mkdir(parents=True)
    (outside / "a1" / "nb.ipynb").write_bytes(SOLUTION)
    folder = tmp_path / "submitted" / "mallory" / "a1"
    (folder / "data").mkdir(parents=True)
    (folder / "nb.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    (folder / "data" / "points.csv").write_text("1,2\n")
    (folder / "notes.txt").symlink_to(outside / "a1" / "nb.ipynb")
    (folder / "course").symlink_to(outside)
    (folder / "data" / "zero").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(folder / "data" / "socket"))
    yield folder
    listener.close()


@pytest.mark.timeout(20)  # opening the named pipe would block: the test would hang, then fail here
def test_only_regular_files_are_read(hostile_folder):
    skipped = []
    files = intake.read_folder(hostile_folder, skipped)
    assert sorted(files) == ["data/points.csv", "nb.ipynb"]
    assert SOLUTION not in files.values()
    assert skipped == ["course (a symbolic link)", "data/socket (a socket)", "data/zero (a symbolic link)",
                       "notes.txt (a symbolic link)", "pipe (a named pipe)"]


@pytest.mark.timeout(20)
def test_the_summary_says_what_was_skipped(hostile_folder):
    definition = intake.AssignmentDefinition("a1", {"nb": ()})
    submission = intake.inspect(hostile_folder, definition, {})
    assert not submission.refusal and sorted(submission.files) == ["data/points.csv", "nb.ipynb"]
    assert submission.notes == ["skipped 5 files that are not regular files: course (a symbolic link), data/socket "
                                "(a socket), data/zero (a symbolic link), notes.txt (a symbolic link), pipe (a named "
                                "pipe)"]


def test_one_skipped_file_is_named_in_the_singular(tmp_path):
    (tmp_path / "nb.ipynb").write_text("{}")
    (tmp_path / "notes.txt").symlink_to(tmp_path / "nb.ipynb")
    skipped = []
    assert list(intake.read_folder(tmp_path, skipped)) == ["nb.ipynb"]
    assert intake.skipped_note(skipped) == "skipped 1 file that is not a regular file: notes.txt (a symbolic link)"


def test_a_submission_folder_that_is_a_link_is_not_read(hostile_folder, tmp_path):
    linked = tmp_path / "submitted" / "eve" / "a1"
    linked.parent.mkdir()
    linked.symlink_to(tmp_path / "source" / "a1")
    skipped = []
    assert intake.read_folder(linked, skipped) == {} and skipped == ["a1/ (a symbolic link)"]
    submission = intake.inspect(linked, intake.AssignmentDefinition("a1", {"nb": ()}), {})
    assert submission.refusal.startswith("skipped 1 file that is not a regular file: a1/ (a symbolic link); "
                                         "nb.ipynb was not submitted")


@pytest.mark.timeout(20)
def test_a_file_swapped_after_the_check_is_refused_when_opened(hostile_folder):
    """What the walk does if a regular file became a link or a pipe between its check and its open: O_NOFOLLOW
    refuses the link, O_NONBLOCK opens the pipe without waiting and the check on the open file refuses it."""
    fd = os.open(hostile_folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(OSError, match="symbolic link|Too many levels"):
            intake.read_regular_file("notes.txt", fd)
        with pytest.raises(OSError, match="a named pipe"):
            intake.read_regular_file("pipe", fd)
        assert intake.read_regular_file("nb.ipynb", fd).startswith(b"{")
    finally:
        os.close(fd)


def test_folders_nested_too_deep_are_skipped(tmp_path):
    deep = tmp_path.joinpath(*["d"] * (intake.MAX_DEPTH + 2))
    deep.mkdir(parents=True)
    (deep / "f").write_text("x")
    (tmp_path / "top").write_text("t")
    skipped = []
    assert intake.read_folder(tmp_path, skipped) == {"top": b"t"}
    assert skipped == ["d/" * (intake.MAX_DEPTH + 1) + f" (a folder nested more than {intake.MAX_DEPTH} deep)"]


def test_collect_copies_regular_files_only(tmp_path):
    """The course's `nbgrader collect` copy (RegularFilesCollect): links, FIFOs and links to devices are not copied
    (stock collect copies a link's target, read with the instructor's rights)."""
    import shutil

    from nbgrader.utils import ignore_patterns

    from instructor_only.grading.regular_collect import skipping_special_files
    secret = tmp_path / "secret.txt"
    secret.write_text("the instructor's")
    inbound = tmp_path / "inbound"
    (inbound / "data").mkdir(parents=True)
    (inbound / "warmup.ipynb").write_text("{}")
    (inbound / "data" / "kept.csv").write_text("1,2")
    (inbound / "notes.txt").symlink_to(secret)
    (inbound / "zeros").symlink_to("/dev/zero")
    (inbound / "dangling").symlink_to(tmp_path / "nowhere")
    (inbound / "folder").symlink_to(tmp_path)
    os.mkfifo(inbound / "pipe")
    shutil.copytree(inbound, tmp_path / "submitted", symlinks=True,
                    ignore=skipping_special_files(ignore_patterns(max_file_size=100_000)))
    copied = sorted(str(p.relative_to(tmp_path / "submitted")) for p in (tmp_path / "submitted").rglob("*"))
    assert copied == ["data", "data/kept.csv", "warmup.ipynb"]


def test_the_course_collects_with_it():
    from instructor_only.grading.regular_collect import RegularFilesCollect
    from tests.test_nbgrader_config import load_config
    assert load_config().ExchangeFactory.collect is RegularFilesCollect


def test_files_over_the_size_caps_are_not_read(tmp_path, monkeypatch):
    """A 300 MB notebook held 1.8 GB in the coordinator and in a worker (a blind attack round): files over FILE_MB,
    or past SUBMISSION_MB for the whole submission, are skipped unread; an oversized notebook is not graded."""
    monkeypatch.setattr(intake, "FILE_MB", 1)
    monkeypatch.setattr(intake, "SUBMISSION_MB", 2)
    folder = tmp_path / "submitted" / "mallory" / "a1"
    folder.mkdir(parents=True)
    for name, megabytes in (("a.csv", 0.9), ("b.csv", 0.9), ("c.csv", 0.9), ("huge.bin", 1.5)):
        (folder / name).write_bytes(b"x" * int(megabytes * 2**20))
    skipped: list[str] = []
    files = intake.read_folder(folder, skipped)
    assert sorted(files) == ["a.csv", "b.csv"]
    assert skipped == ["c.csv (0.9 MB: past the 2 MB a submission may have)",
                       "huge.bin (2 MB: larger than the 1 MB a file may have)"]


def test_an_oversized_notebook_is_not_graded_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(intake, "FILE_MB", 1)
    folder = tmp_path / "submitted" / "mallory" / "a1"
    folder.mkdir(parents=True)
    (folder / "warmup.ipynb").write_bytes(b"{" + b" " * 2**21 + b"}")
    definition = intake.AssignmentDefinition("a1", {"warmup": ("conv_output_size",)})
    submission = intake.inspect(folder, definition, {})
    assert submission.refusal.startswith("warmup.ipynb (2 MB: larger than the 1 MB a file may have): not graded")
