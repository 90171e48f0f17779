"""Front ends: one per language, each turning source into the same model (``bundler.model``).
Verification, suppressions, outputs and the packager never know which language they read."""
