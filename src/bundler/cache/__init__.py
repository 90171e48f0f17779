"""``bundler check`` answered from a cache when nothing it depends on has changed.

``check`` keeps each verdict with every input it depended on; ``replay`` answers a repeated
command line with what it printed, before the command line is even parsed. This package imports
nothing itself: the replay runs before anything heavy is imported.
"""
