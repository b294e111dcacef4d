from pathlib import Path

import attrs


@attrs.frozen
class Note:
    title: str
    text: str


class Store:
    """Notes kept as files in one folder, created on first use."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def add(self, note: Note) -> None:
        (self.folder / f"{note.title}.txt").write_text(note.text, encoding="utf-8")

    def titles(self) -> list[str]:
        return sorted(path.stem for path in self.folder.glob("*.txt"))
