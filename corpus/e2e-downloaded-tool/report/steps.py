import attrs


@attrs.frozen
class Step:
    name: str
    done: bool


STEPS = [Step("build", True), Step("sign", True), Step("publish", False)]
