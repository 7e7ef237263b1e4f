"""`nbgrader collect` that copies only the regular files (and folders) of a student's submission.

Stock `ExchangeCollect.do_copy` copies an inbound submission with `shutil.copytree`, which follows symbolic links:
a student who leaves `notes.txt -> /home/instructor/course/source/...` in their submission has its target copied
into `submitted/` as a regular file, read with the instructor's rights; one pointing at /dev/zero is read until the
disk is full. Here links, FIFOs, sockets and devices are skipped (and logged), never opened; a link swapped in after
the check is copied as a link, which classgrade's intake then skips (`intake.read_folder`). Set in
nbgrader_config.py (`ExchangeFactory.collect`), so the formgrader's Collect button uses it too.
"""
from __future__ import annotations

import os
import shutil
import stat

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import ignore_patterns


def skipping_special_files(stock_ignore, log=None):
    """A copytree `ignore` that adds every entry that is neither a regular file nor a real folder to `stock_ignore`'s."""
    def ignore(directory: str, names: list[str]) -> set[str]:
        special = set()
        for name in names:
            mode = os.lstat(os.path.join(directory, name)).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                special.add(name)
                if log is not None:
                    log.warning("Skipped %r in a submission: not a regular file", os.path.join(directory, name))
        # (the stock ignore reads sizes through links, and fails on a dangling one: it sees the rest only)
        return special | set(stock_ignore(directory, [name for name in names if name not in special]))
    return ignore


class RegularFilesCollect(ExchangeCollect):
    """ExchangeCollect whose copy takes regular files only (stock `do_copy` otherwise: size cap, ignore globs,
    groupshared modes)."""

    def do_copy(self, src, dest, log=None):
        dir_size = self.get_size(src)  # (stock: regular files and special files, not links)
        if dir_size > 1000 * self.coursedir.max_dir_size:
            self.log.error("Directory size is too big")
            raise RuntimeError(f"Directory size is too big. Size is {dir_size}, maximum size is "
                               f"{1000 * self.coursedir.max_dir_size}")
        stock_ignore = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                       max_file_size=self.coursedir.max_file_size, log=self.log)
        shutil.copytree(src, dest, symlinks=True, ignore=skipping_special_files(stock_ignore, self.log))
        if self.coursedir.groupshared:
            for dirname, _, _ in os.walk(dest):
                mode = os.stat(dirname).st_mode
                if mode & 0o2770 != 0o2770:
                    try:
                        os.chmod(dirname, (mode | 0o2770) & 0o2777)
                    except PermissionError:
                        self.log.warning("Could not update permissions of %s to make it groupshared", dirname)
