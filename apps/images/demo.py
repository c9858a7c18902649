"""The demo image: a real 512-byte x86 boot sector that prints one line on the serial port and halts.

It boots under QEMU as a raw disk, so the quick start's image is the same on the fake driver and
on a real hypervisor, and tests need no download.
"""

import hashlib

BANNER = b"cloudcore demo image booted\r\n"

# 16-bit real mode, loaded at 0x7c00. The message starts at offset 23.
_CODE = bytes(
    [
        0xFA,  # cli
        0x31, 0xC0,  # xor ax, ax
        0x8E, 0xD8,  # mov ds, ax
        0xBE, 0x17, 0x7C,  # mov si, 0x7c17 (the message)
        0xBA, 0xF8, 0x03,  # mov dx, 0x3f8 (COM1)
        0xFC,  # cld
        0xAC,  # next: lodsb
        0x84, 0xC0,  # test al, al
        0x74, 0x03,  # jz done
        0xEE,  # out dx, al
        0xEB, 0xF8,  # jmp next
        0xF4,  # done: hlt
        0xEB, 0xFD,  # jmp done
    ]
)  # fmt: skip


def boot_sector() -> bytes:
    """The 512 bytes of the demo disk."""
    body = _CODE + BANNER + b"\x00"
    return body + b"\x00" * (510 - len(body)) + b"\x55\xaa"


def digests(data: bytes) -> dict:
    """Size and checksums as the image API reports them."""
    return {
        "size": len(data),
        "checksum": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "os_hash_algo": "sha512",
        "os_hash_value": hashlib.sha512(data).hexdigest(),
    }
