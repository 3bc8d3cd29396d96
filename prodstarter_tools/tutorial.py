"""TUTORIAL.md, followed to the letter: its files written, its edits applied, its commands run.

Shared by the render tier (the edits applied in every variant) and the project tier (the
commands run too, and the gates passing at the end).

The tutorial's fenced blocks are its steps, in order:

- ```sh: commands, run in the project's folder;
- ```python title="path": a new file, written whole;
- ```diff title="path": a change to an existing file: the lines starting with a space are
  what the file already holds (they must occur exactly once), those starting with "+"
  are added and those starting with "-" removed.

No other kind of block is allowed, so every line of code the tutorial shows is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from prodstarter_tools.harness import run

FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
TITLE = re.compile(r'title="(?P<path>[^"]+)"')


@dataclass
class Step:
    kind: str  # "sh", "file" or "edit"
    body: str
    path: str = ""


def steps(tutorial: str) -> list[Step]:
    found = []
    for block in FENCE.finditer(tutorial):
        language, _, attributes = block["info"].partition(" ")
        title = TITLE.search(attributes)
        if language == "sh" and not title:
            found.append(Step("sh", block["body"]))
        elif language == "python" and title:
            found.append(Step("file", block["body"], title["path"]))
        elif language == "diff" and title:
            found.append(Step("edit", block["body"], title["path"]))
        else:
            raise AssertionError(f"TUTORIAL.md: a block this test cannot follow: {block['info']!r}")
        if title:
            # The reader sees the path in the text, not in the fence's info string.
            before = tutorial[: block.start()].rstrip().rsplit("\n\n", 1)[-1]
            assert f"`{title['path']}`" in before, f"the text before the block names {title['path']}"
    return found


def apply_edit(path: Path, diff: str) -> None:
    old, new = [], []
    for line in diff.splitlines():
        marker, text = line[:1], line[1:]
        assert marker in {" ", "+", "-"}, f"{path.name}: a diff line must start with ' ', '+' or '-'"
        if marker != "+":
            old.append(text)
        if marker != "-":
            new.append(text)
    before, after = "\n".join(old) + "\n", "\n".join(new) + "\n"
    content = path.read_text()
    assert content.count(before) == 1, f"{path} should hold this exactly once:\n{before}"
    path.write_text(content.replace(before, after))


def follow(project: Path, env: dict[str, str] | None) -> dict[str, str]:
    """Apply the tutorial's steps to ``project``; run its commands only when given an env.
    Returns each command block's output."""
    outputs = {}
    for step in steps((project / "TUTORIAL.md").read_text()):
        if step.kind == "sh":
            if env is not None:
                outputs[step.body] = run(["bash", "-euo", "pipefail", "-c", step.body], project, env)
        elif step.kind == "file":
            target = project / step.path
            assert not target.exists(), f"the tutorial writes {step.path}, which exists already"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.body)
        else:
            apply_edit(project / step.path, step.body)
    return outputs
