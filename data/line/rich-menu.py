#!/usr/bin/env python3
"""Draws data/line/rich-menu.png (2500×843) from rich-menu.json's areas: one panel a button,
its label in Noto Sans CJK. Needs Pillow and Debian's fonts-noto-cjk:
    apt-get install -y fonts-noto-cjk && pip install pillow && python3 data/line/rich-menu.py
The PNG is committed; run this again only when the menu changes."""
import json
import pathlib

from PIL import Image, ImageDraw, ImageFont

HERE = pathlib.Path(__file__).parent
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
COLOURS = ["#0B5394", "#38761D", "#7F6000", "#741B47", "#444444"]  # white text passes WCAG AA on each

menu = json.loads((HERE / "rich-menu.json").read_text(encoding="utf-8"))
size = (menu["size"]["width"], menu["size"]["height"])
image = Image.new("RGB", size, "#FFFFFF")
draw = ImageDraw.Draw(image)
for n, area in enumerate(menu["areas"]):
    b = area["bounds"]
    box = (b["x"] + 8, b["y"] + 8, b["x"] + b["width"] - 8, b["y"] + b["height"] - 8)
    draw.rounded_rectangle(box, radius=36, fill=COLOURS[n % len(COLOURS)])
    label = area["action"]["label"]
    # The label on one line, as large as fits; under it, what the button does, smaller.
    sub = "取組一覧" if area["action"]["text"].endswith("取組一覧") else "質問の例"
    size = 84
    while size > 30:
        font = ImageFont.truetype(FONT, size, index=0)
        if draw.textbbox((0, 0), label, font=font)[2] <= b["width"] - 70:
            break
        size -= 2
    small = ImageFont.truetype(FONT, 56, index=0)
    cx, cy = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    draw.text((cx, cy - 10), label, font=font, fill="#FFFFFF", anchor="ms")
    draw.text((cx, cy + 70), sub, font=small, fill="#FFFFFF", anchor="ms")
image.save(HERE / "rich-menu.png", optimize=True)
print("wrote", HERE / "rich-menu.png", image.size)
