"""What a person does on the course hub, one function per step, in a real browser (Playwright driving Debian's
chromium). Used by tests/test_hub_browser.py. Selectors are nbgrader's and JupyterLab's own (the ids and classes
their UI tests use)."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

CHROMIUM = "/usr/bin/chromium"
# Debian's chromium, as root, on a machine whose only network is loopback: no sandbox of its own (the test runs as
# root), and no background connections that the closed network would refuse.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SLOW = 240_000   # ms: starting a JupyterLab server, or validating a notebook that imports a framework, on 2 cores


class Person:
    """One browser context logged in to the hub as one user; screenshots go to `shots` as NN-user-step.png."""

    def __init__(self, browser, hub_url: str, username: str, password: str, shots: Path, counter: list[int]):
        self.hub_url, self.username, self.shots, self.counter = hub_url, username, shots, counter
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.console = []
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.goto(f"{hub_url}/hub/login")
        self.page.fill("#username_input", username)
        self.page.fill("#password_input", password)
        self.page.click("#login_submit")
        self.page.wait_for_url(f"**/user/{username}/lab**", timeout=SLOW)
        self.page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text-is("Nbgrader")').wait_for(timeout=SLOW)

    @property
    def home(self) -> Path:
        return Path("/home") / self.username

    @property
    def server(self) -> str:
        return f"{self.hub_url}/user/{self.username}"

    def shot(self, step: str) -> Path:
        self.counter[0] += 1
        path = self.shots / f"{self.counter[0]:02d}-{self.username}-{step}.png"
        self.page.screenshot(path=str(path))
        return path

    # --- files, through the same server API the lab uses (the student's own session and XSRF cookie) ---
    def _xsrf(self) -> dict:
        token = next(c["value"] for c in self.context.cookies() if c["name"] == "_xsrf")
        return {"X-XSRFToken": token, "Content-Type": "application/json"}

    def read_file(self, path: str) -> dict:
        response = self.page.request.get(f"{self.server}/api/contents/{path}?content=1", headers=self._xsrf())
        assert response.ok, f"{self.username} cannot read {path}: {response.status} {response.text()[:300]}"
        return response.json()

    def write_notebook(self, path: str, notebook: dict) -> None:
        body = json.dumps({"type": "notebook", "format": "json", "content": notebook})
        response = self.page.request.put(f"{self.server}/api/contents/{path}", data=body, headers=self._xsrf())
        assert response.ok, f"{self.username} cannot save {path}: {response.status} {response.text()[:300]}"

    # --- JupyterLab ---
    def menu(self, menu: str, command: str) -> None:
        self.page.locator(f'#jp-menu-panel div.lm-MenuBar-itemLabel:text-is("{menu}")').click()
        self.page.locator(f'li[data-command="{command}"]').click()

    @property
    def notebook(self):
        """The notebook in the tab in view (an earlier notebook stays open in a hidden tab)."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    def open_notebook(self, path: str) -> None:
        self.page.goto(f"{self.server}/lab/tree/{path}?reset")  # ?reset: this notebook alone, no earlier tabs
        self.notebook.locator(".jp-Cell").first.wait_for(timeout=SLOW)
        expect(self.page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=SLOW)

    def run_all_and_save(self, path: str) -> dict:
        """Run > Run All Cells, then File > Save until the saved notebook shows the run finished: every code cell
        executed, or an error (Run All stops there). Returns the saved notebook. (The lab renders only the cells in
        view, so the saved file, not the page, tells what ran.)"""
        self.menu("Run", "runmenu:run-all")
        deadline = time.monotonic() + SLOW / 1000
        while True:
            expect(self.page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=SLOW)
            with self.page.expect_response(lambda r: r.request.method == "PUT" and r.url.split("?")[0].endswith(path),
                                           timeout=SLOW):
                self.menu("File", "docmanager:save")
            # Read from disk, as root: reading through the server while the lab saves can make jupyter_server
            # "recover" the file from its half-written temporary copy, and the save then loses the file.
            notebook = json.loads((self.home / path).read_text())
            code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
            if any(o["output_type"] == "error" for c in code for o in c["outputs"]) or \
                    all(c["execution_count"] for c in code):
                return notebook
            assert time.monotonic() < deadline, f"{self.username}: Run All did not finish {path}"
            time.sleep(2)

    @staticmethod
    def errors(notebook: dict) -> list[str]:
        return [f"{o['ename']}: {o['evalue']}" for c in notebook["cells"] if c["cell_type"] == "code"
                for o in c["outputs"] if o["output_type"] == "error"]

    def validate(self) -> str:
        """Click the notebook's Validate button; returns the dialog's text (success or failure)."""
        self.notebook.locator("jp-button.validate-button").click()
        dialog = self.page.locator(".nbgrader-SuccessDialog, .nbgrader-ErrorDialog")
        dialog.first.wait_for(timeout=SLOW)
        return dialog.first.inner_text()

    def close_dialog(self) -> None:
        self.page.locator(".jp-Dialog-button.jp-mod-accept").first.click()
        expect(self.page.locator(".jp-Dialog")).to_have_count(0)

    def open_assignments(self) -> None:
        self.menu("Nbgrader", "nbgrader:open-assignment-list")
        self.page.locator("#released_assignments_list").wait_for()
        self.refresh_assignments()

    def refresh_assignments(self) -> None:
        self.page.locator("#refresh_assignments_list").click()
        for name in ("released", "fetched", "submitted"):
            expect(self.page.locator(f"#{name}_assignments_list_loading")).not_to_be_visible(timeout=SLOW)

    def assignment_row(self, listing: str, assignment: str):
        return self.page.locator(f"#{listing}_assignments_list > .list_item").filter(
            has=self.page.locator(".item_name", has_text=re.compile(f"^{assignment}$")))

    def fetch(self, assignment: str) -> None:
        self.assignment_row("released", assignment).locator(".item_status button").click()
        expect(self.assignment_row("fetched", assignment)).to_have_count(1, timeout=SLOW)

    def submit(self, assignment: str) -> None:
        self.assignment_row("fetched", assignment).locator('.item_status button:text("Submit")').click()
        expect(self.assignment_row("submitted", assignment)).to_have_count(1, timeout=SLOW)

    def fetch_feedback(self, assignment: str) -> None:
        row = self.assignment_row("submitted", assignment)
        row.locator('.item_status button:text("Fetch Feedback")').first.click()
        # Fetched: the submission gets a "(view feedback)" link (the button may stay, for a later re-fetch).
        expect(row.locator("a", has_text="view feedback").first).to_be_visible(timeout=SLOW)

    def terminal(self, command: str) -> None:
        """Open a terminal in JupyterLab and type a command (its result is read from the files it writes)."""
        self.page.goto(f"{self.server}/lab")
        self.page.locator('.jp-LauncherCard[title="Start a new terminal session"]').click()
        screen = self.page.locator(".jp-Terminal .xterm-screen")
        screen.wait_for(timeout=SLOW)
        screen.click()
        self.page.keyboard.type(command)
        self.page.keyboard.press("Enter")

    # --- the formgrader (the instructor's) ---
    def formgrader(self, page: str = "manage_assignments") -> None:
        self.page.goto(f"{self.server}/formgrader/{page}")

    def formgrader_action(self, assignment: str, column: str) -> str:
        """Click the formgrader's button in `column` (release, collect, generate-feedback, release-feedback) of the
        assignment's row; returns the text of the dialog nbgrader shows, after closing it."""
        self.formgrader()
        row = self.page.locator("tr", has=self.page.locator("td.name", has_text=re.compile(f"^{assignment}$")))
        row.locator(f"td.{column} a").click()
        dialog = self.page.locator("#success-modal, #error-modal")
        dialog.first.wait_for(timeout=SLOW)
        text = dialog.first.inner_text()
        self.shot(f"formgrader-{column}-{assignment}")
        dialog.first.locator("button.btn-primary, button.close").first.click()
        expect(self.page.locator(".modal.in")).to_have_count(0)
        return text
