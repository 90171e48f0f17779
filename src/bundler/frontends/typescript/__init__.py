"""The TypeScript and JavaScript front end (tree-sitter): source files and esbuild CommonJS
bundles read into the same migration lists as Python's. Installed with the ``typescript`` extra."""
