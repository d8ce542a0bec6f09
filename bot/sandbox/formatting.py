"""Message text as Telegram sees it: HTML markup to plain text + entities, and commands.

Telegram parses ``parse_mode`` text on the server, stores plain text with entities (offsets in
UTF-16 code units) and rejects bad markup with "can't parse entities". Doing the same here
lets tests read what a user sees and catches unescaped user input in HTML, the one parse mode
the bot uses (Markdown and MarkdownV2 are refused as unsupported).
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.sandbox.params import bad_request

HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
HTML_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
HTML_ATTR = re.compile(r"([\w-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities for every /command in a user's text."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for m in COMMAND.finditer(text)
    ]


def parse_error(detail: str) -> Exception:
    return bad_request(f"can't parse entities: {detail}")


def byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for ``text`` sent with ``parse_mode``, stripped like Telegram."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, entities = parse_html(text)
    elif mode:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    else:
        plain, entities = text, []
    return strip(plain, entities)


def strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Drop leading/trailing whitespace as Telegram does, keeping entities aligned."""
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    text = text.strip()
    end = utf16_len(text)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        stop = min(entity["offset"] + entity["length"] - lead, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return text, kept


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    offset = 0  # UTF-16 length of ``out``
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            closing = source.startswith("</", i)
            name = HTML_TAG_NAME.match(source, i + 1 + closing).group().lower()
            if not closing and name not in HTML_TAGS:
                raise parse_error(
                    f'Unsupported start tag "{name}" at byte offset {byte_offset(source, i)}'
                )
            close = source.find(">", i)
            if close < 0:
                raise parse_error(f"Unclosed {'end' if closing else 'start'} tag at byte offset "
                                  f"{byte_offset(source, i)}")
            if closing:
                if not stack or stack[-1][0] != name:
                    raise parse_error(
                        f'Unmatched end tag at byte offset {byte_offset(source, i)}, expected '
                        f'"</{stack[-1][0] if stack else ""}>", found "</{name}>"'
                    )
                tag, start, attrs = stack.pop()
                if offset > start:
                    entities.append(html_entity(tag, start, offset - start, attrs))
            else:
                attrs = {k: a or b for k, a, b in HTML_ATTR.findall(source, i, close)}
                stack.append((name, offset, attrs))
            i = close + 1
            continue
        if char == "&" and (m := HTML_ENTITY.match(source, i)):
            char = html.unescape(m.group())
            i = m.end()
        else:
            i += 1
        out.append(char)
        offset += utf16_len(char)
    if stack:
        raise parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), entities


def html_entity(tag: str, offset: int, length: int, attrs: dict[str, str]) -> dict[str, Any]:
    entity: dict[str, Any] = {"type": HTML_TAGS[tag], "offset": offset, "length": length}
    if tag == "a":
        entity["url"] = html.unescape(attrs.get("href", ""))
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    return entity
