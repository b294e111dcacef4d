from markupsafe import escape


def render(path: str) -> str:
    name = path.rsplit("/", 1)[-1] or "world"
    return f"<p>Hello, {escape(name)}!</p>"
