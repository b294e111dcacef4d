import pyfiglet

from greeting import TEXT

# pyfiglet finds its fonts through pkg_resources, which it imports without declaring setuptools.
art = pyfiglet.figlet_format(TEXT, font="small")
print("\n".join(line.rstrip() for line in art.splitlines() if line.strip()))
