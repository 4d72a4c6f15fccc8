"""Write the seed corpus (fuzz/seeds/, not committed): each packaged input prefixed by its target byte."""

import sys
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import targets  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "seeds")
out.mkdir(parents=True, exist_ok=True)
data = resources.files("tiangong.data")
seeds = {"scenario": [data / "scenarios" / n for n in ("shenzhou-14.toml", "electrolyser-failure.toml", "iss-week.toml")]
         + [data / "scenario_template.toml"],
         "tle": [data / "tle" / "tiangong.tle"],
         "station": [data / "station" / "vehicles.toml", data / "station" / "tiangong.toml"],
         "time": []}
n = 0
for target, files in seeds.items():
    b = bytes([targets.TARGETS.index(target)])
    for f in files:
        text = f.read_bytes()[:20000]
        (out / f"{target}-{n}").write_bytes(b + text)
        n += 1
for i, s in enumerate(["2022-09-17T05:35:00Z", "2022-09-17", "9999-12-31T23:59:59+14:00", "1899-07-29T00:00:00-01:00"]):
    (out / f"time-{i}").write_bytes(bytes([targets.TARGETS.index("time")]) + s.encode())
print(f"{len(list(out.iterdir()))} seeds in {out}")
