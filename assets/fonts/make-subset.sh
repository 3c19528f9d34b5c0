#!/usr/bin/env bash
# Makes the embedded CJK font: Noto Sans CJK SC (SIL OFL 1.1, Debian's
# fonts-noto-cjk) cut down to ASCII, Latin-1, general punctuation, CJK
# punctuation, full-width forms and the 6,763 hanzi of GB2312 (every
# character a service name or notice is likely to use), for the kiosk and
# the board. Needs fonts-noto-cjk and fonttools (pip install fonttools).
#   assets/fonts/make-subset.sh            (Regular and Bold)
set -euo pipefail
cd "$(dirname "$0")"
src=/usr/share/fonts/opentype/noto
chars=$(mktemp)
python3 - "$chars" <<'PY'
import sys
out = []
for hi in range(0xB0, 0xF8):          # GB2312 hanzi rows
    for lo in range(0xA1, 0xFF):
        try:
            out.append(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2460, 0x24FF),
          (0x25A0, 0x25FF), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
for a, b in ranges:
    out.extend(chr(c) for c in range(a, b + 1))
open(sys.argv[1], "w", encoding="utf-8").write("".join(out))
PY
for weight in Regular Bold; do
  pyftsubset "$src/NotoSansCJK-$weight.ttc" --font-number=2 --text-file="$chars" \
    --layout-features='*' --no-hinting --desubroutinize \
    --output-file="NotoSansSC-$weight-subset.otf"
done
rm -f "$chars"
ls -l NotoSansSC-*-subset.otf
