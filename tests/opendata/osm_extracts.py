"""Small OSM extracts written by the tests: `.osm` XML by hand, `.osm.pbf` with osmium."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium
from osmium.osm.mutable import Node, Way

TIMESTAMP = "2026-05-01T10:00:00Z"


@dataclass
class N:
    id: int
    lat: float
    lon: float
    tags: Mapping[str, str] = field(default_factory=dict)
    version: int = 1
    timestamp: str = TIMESTAMP


@dataclass
class W:
    id: int
    nodes: list[int]
    tags: Mapping[str, str] = field(default_factory=dict)
    version: int = 1
    timestamp: str = TIMESTAMP


def _tags_xml(tags: Mapping[str, str]) -> str:
    return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())


def write_xml(path: Path, objects: Iterable[N | W]) -> Path:
    """An `.osm` XML file: nodes first, then ways, as OSM orders them."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    items = sorted(objects, key=lambda obj: (isinstance(obj, W), obj.id))
    for obj in items:
        common = f'id="{obj.id}" version="{obj.version}" timestamp="{obj.timestamp}"'
        if isinstance(obj, N):
            lines.append(
                f'<node {common} lat="{obj.lat}" lon="{obj.lon}">{_tags_xml(obj.tags)}</node>'
            )
        else:
            refs = "".join(f'<nd ref="{ref}"/>' for ref in obj.nodes)
            lines.append(f"<way {common}>{refs}{_tags_xml(obj.tags)}</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_pbf(path: Path, objects: Iterable[N | W]) -> Path:
    """An `.osm.pbf` file written with osmium.SimpleWriter."""
    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(osmium.io.File(str(path), "pbf"))
    try:
        for obj in sorted(objects, key=lambda obj: (isinstance(obj, W), obj.id)):
            if isinstance(obj, N):
                writer.add_node(
                    Node(
                        id=obj.id,
                        location=(obj.lon, obj.lat),
                        tags=dict(obj.tags),
                        version=obj.version,
                        timestamp=obj.timestamp,
                    )
                )
            else:
                writer.add_way(
                    Way(
                        id=obj.id,
                        nodes=obj.nodes,
                        tags=dict(obj.tags),
                        version=obj.version,
                        timestamp=obj.timestamp,
                    )
                )
    finally:
        writer.close()
    return path
