"""さくら台町, a fictional demo town: its areas, population and resources, and their files."""

from mapapp.demo.town import (
    DEFAULT_SEED,
    DEMO_TOWN_CODE,
    DEMO_TOWN_NAME,
    DemoTown,
    build_demo_town,
    write_demo_files,
)

__all__ = [
    "DEFAULT_SEED",
    "DEMO_TOWN_CODE",
    "DEMO_TOWN_NAME",
    "DemoTown",
    "build_demo_town",
    "write_demo_files",
]
