import yaml

from report.settings import SETTINGS

print(yaml.safe_dump(SETTINGS, sort_keys=True), end="")
