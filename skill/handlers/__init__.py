"""Intent and request handlers, one module per capability; `skill.builder` orders them."""
