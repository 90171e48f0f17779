"""`make bench`: every benchmark, each printed as a ratio against a baseline from the same run."""

from __future__ import annotations

import build_speed
import check_speed
import typescript_bundle
import scale
import worker_latency

if __name__ == "__main__":
    check_speed.main()
    typescript_bundle.main()
    scale.main()
    build_speed.main()
    worker_latency.main()
