"""The `bokji` command."""

def main() -> None:
    pass
