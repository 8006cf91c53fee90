"""Domain rules as plain functions: no ask-sdk objects, so each rule is tested on its own."""
