"""Help with set-up and repair: ``bundler init`` finds the configuration, ``bundler fix`` writes what is missing."""
