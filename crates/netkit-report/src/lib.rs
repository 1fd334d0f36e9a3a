//! Plan + results -> documents: SVG, DOT, Mermaid, draw.io, HTML, Markdown, CSV. Pure.
