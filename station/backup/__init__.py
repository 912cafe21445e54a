"""A station's own backup (``station backup``, 设置 → 备份) and its restore on a new PC.

``file_format``: the file (a clear header holding the vault as stored, then an
encrypted tar); ``take``: writing one while the app runs; ``restore``: checking one
whole before anything is put in place; ``daily``: the daily copy to a folder the
agent picks (a USB stick), keeping the last few.
"""
