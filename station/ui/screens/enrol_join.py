"""入网 at a new station: the code from the enrolment sheet and the hub's address.

The request goes to the hub (``enrolment_net.send_request``, as ``station enrol
request --hub``); then the panel asks the hub again and again, on the worker,
until the parent approves, and installs the certificates by itself
(``enrolment_net.fetch``).  If the parent refuses, the page says so with the
parent's reason and stops waiting: the agent types a new code and sends
again.  Without a network the request is written to a file
(a USB stick) and the parent's approval file read back
(``enrolment.write_request`` / ``install_certificates``).  A barcode scanner
that types works in the code field: it ends with Enter, which moves on.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from pathlib import Path

import ttkbootstrap as ttk

from keys import ca
from station.app import Station
from station.errors import StationError
from station.i18n import _
from station.network import enrol_desk, enrolment_net
from station.network.enrol_desk import HubLink
from station.network.sync_worker import valid_hub_address
from station.trust import enrolment
from station.ui.context import AppContext
from station.ui.file_dialogs import ask_open, ask_save
from station.ui.problems import describe
from station.ui.style import title_font
from sync.problems import EnrolmentUnknown, HubUnreachable

FIRST_POLL_MS = 2000
MAX_POLL_MS = 30000
FILE_TYPES = [(_("入网文件"), "*.json"), (_("所有文件"), "*")]


def enrol_message(error: BaseException, hub: str) -> str:
    """What went wrong, in words for the person at the window (no command lines)."""
    if isinstance(error, HubUnreachable):
        return _("连不上上级枢纽站 {hub}：请核对地址，检查网线或网络后再试。"
                 "没有网络时，可以用下面的U盘办理。").format(hub=hub)
    if isinstance(error, EnrolmentUnknown):
        return _("枢纽站 {hub} 上没有本站的入网申请（可能已被上级站点拒绝或清除）；"
                 "请向上级站点核实，再重新发送申请。").format(hub=hub)
    return describe(error)


class JoinPanel(ttk.Frame):
    """Type (or scan) the code, give the hub, send, wait: the certificates install."""

    def __init__(self, parent: tk.Misc, app: AppContext, station: Station,
                 on_enrolled: Callable[[ca.NodeIdentity], object]) -> None:
        super().__init__(parent, padding=10)
        self.app = app
        self.station = station
        self.on_enrolled = on_enrolled
        self.sent: HubLink | None = None
        self.delay = FIRST_POLL_MS
        self._tick: str | None = None
        node = station.node
        ttk.Label(self, text=_("入网：{name}（{code}）").format(name=node.name, code=node.code),
                  font=title_font(self, app.config.large_font)).grid(
            row=0, column=0, columnspan=2, sticky="w", pady=(0, 4))
        ttk.Label(self, text=_("请输入上级站点发给本站的入网注册单上的注册码"
                               "（也可以用扫码枪扫二维码），以及上级枢纽站的地址。"),
                  wraplength=760, justify=tk.LEFT).grid(row=1, column=0, columnspan=2,
                                                       sticky="w", pady=(0, 10))
        ttk.Label(self, text=_("注册码")).grid(row=2, column=0, sticky="e", padx=8, pady=5)
        self.code = ttk.Entry(self, width=30)
        self.code.grid(row=2, column=1, sticky="w", pady=5)
        ttk.Label(self, text=_("上级枢纽站地址")).grid(row=3, column=0, sticky="e", padx=8, pady=5)
        self.hub = ttk.Entry(self, width=40)
        self.hub.grid(row=3, column=1, sticky="w", pady=5)
        self.code.bind("<Return>", lambda _e: self._after_code())
        self.hub.bind("<Return>", lambda _e: self.send_request())
        self.button = ttk.Button(self, text=_("发送入网申请（Enter）"), bootstyle="primary",
                                 command=self.send_request)
        self.button.grid(row=4, column=0, columnspan=2, sticky="ew", pady=8)
        self.progress = ttk.Progressbar(self, mode="indeterminate")
        self.status = ttk.Label(self, text="", wraplength=760, justify=tk.LEFT)
        self.status.grid(row=6, column=0, columnspan=2, sticky="w", pady=4)
        self.error = ttk.Label(self, text="", bootstyle="danger", wraplength=760,
                               justify=tk.LEFT)
        self.error.grid(row=7, column=0, columnspan=2, sticky="w", pady=4)
        offline = ttk.Labelframe(self, text=_("没有网络时：用U盘办理"), padding=8)
        offline.grid(row=8, column=0, columnspan=2, sticky="ew", pady=(12, 0))
        self.write_button = ttk.Button(offline, text=_("把入网申请写到U盘"),
                                       bootstyle="secondary-outline", command=self.write_request)
        self.write_button.grid(row=0, column=0, padx=(0, 8))
        self.read_button = ttk.Button(offline, text=_("读取上级的批准文件"),
                                      bootstyle="secondary-outline", command=self.read_approval)
        self.read_button.grid(row=0, column=1)
        self.code.focus_set()
        app.dispatcher.submit(lambda: enrol_desk.remembered(station), on_done=self._resume)

    # -- online ------------------------------------------------------------------
    def _resume(self, found: tuple[str, HubLink | None]) -> None:
        hub, sent = found
        if not self.winfo_exists() or self.hub.get():
            return
        self.hub.insert(0, hub)
        if sent is not None:  # the window was closed while waiting: wait again
            self.sent = sent
            self._waiting(hub)

    def _after_code(self) -> None:
        if self.hub.get().strip():
            self.send_request()
        else:
            self.hub.focus_set()

    def send_request(self) -> None:
        if str(self.button.cget("state")) == "disabled":
            return
        self.error.configure(text="")
        code = self.code.get().strip()
        if not code:
            self.error.configure(text=_("请先输入注册码。"))
            self.code.focus_set()
            return
        try:
            hub = valid_hub_address(self.hub.get())
        except StationError as error:
            self.error.configure(text=describe(error))
            self.hub.focus_set()
            return
        self._busy(_("正在把入网申请发往 {hub}……").format(hub=hub))
        station = self.station

        self.app.dispatcher.submit(lambda: enrol_desk.send(station, hub, code),
                                   on_done=self._sent,
                                   on_error=lambda e: self._failed(e, hub))

    def _busy(self, text: str) -> None:
        self.button.configure(state="disabled")
        self.status.configure(text=text, bootstyle="default")
        self.progress.grid(row=5, column=0, columnspan=2, sticky="ew", pady=4)
        self.progress.start(12)

    def _idle(self) -> None:
        self.progress.stop()
        self.progress.grid_remove()
        self.button.configure(state="normal")

    def _failed(self, error: BaseException, hub: str) -> None:
        if not self.winfo_exists():
            return
        self._idle()
        self.status.configure(text="")
        self.error.configure(text=enrol_message(error, hub))

    def _sent(self, sent: HubLink) -> None:
        if self.winfo_exists():
            self.sent = sent
            self._waiting(sent.base)

    def _waiting(self, hub: str) -> None:
        self._busy(_("入网申请已送达 {hub}，正在等待上级站点批准。批准后证书会自动安装，"
                     "不用再操作；可以先关掉窗口，下次打开会接着等。").format(hub=hub))
        self.button.configure(text=_("重新发送入网申请"))
        self.delay = FIRST_POLL_MS
        self._poll()

    def _poll(self) -> None:
        self._tick = None
        sent, station = self.sent, self.station
        if sent is None or not self.winfo_exists():
            return
        self.app.dispatcher.submit(lambda: enrol_desk.fetch(station, sent),
                                   on_done=self._installed, on_error=self._not_yet)

    def _not_yet(self, error: BaseException) -> None:
        if not self.winfo_exists() or self.sent is None:
            return
        if isinstance(error, enrolment_net.EnrolmentRefused):
            self._refused(error)
            return
        if isinstance(error, (enrolment_net.EnrolmentPending, HubUnreachable)):
            self.error.configure(text=enrol_message(error, self.sent.base)
                                 if isinstance(error, HubUnreachable) else "")
            self._tick = self.after(self.delay, self._poll)  # ask again later, not a wait
            self.delay = min(MAX_POLL_MS, self.delay * 2)
            return
        self._failed(error, self.sent.base)

    def _refused(self, error: enrolment_net.EnrolmentRefused) -> None:
        """Waiting is over: say why, and start again with a new code."""
        self.sent = None
        self._idle()
        self.button.configure(text=_("发送入网申请（Enter）"))
        self.error.configure(text=describe(error))
        self.status.configure(text=_("拿到新的注册码后，在上面输入，再点“发送入网申请”。"),
                              bootstyle="default")
        self.code.delete(0, tk.END)
        self.code.focus_set()

    # -- offline -------------------------------------------------------------------
    def write_request(self) -> None:
        code = self.code.get().strip()
        if not code:
            self.error.configure(text=_("请先输入注册码。"))
            return
        chosen = ask_save(self, self.app, _("把入网申请写到U盘"),
                          enrol_desk.REQUEST_FILE.format(code=self.station.node.code),
                          FILE_TYPES, extension=".json")
        if chosen:
            self.write_request_to(chosen)

    def write_request_to(self, path: Path) -> None:
        code, station = self.code.get().strip(), self.station
        self.error.configure(text="")
        self.app.dispatcher.submit(
            lambda: enrolment.write_request(station, code, path),
            on_done=lambda out: self.status.configure(text=_(
                "入网申请已写到 {path}。请把U盘交给上级站点审批，"
                "拿回批准文件后点“读取上级的批准文件”。").format(path=out)),
            on_error=lambda e: self._failed(e, ""))

    def read_approval(self) -> None:
        chosen = ask_open(self, self.app, _("读取上级的批准文件"), FILE_TYPES)
        if chosen:
            self.read_approval_from(chosen)

    def read_approval_from(self, path: Path) -> None:
        station = self.station
        self.error.configure(text="")
        self.app.dispatcher.submit(lambda: enrolment.install_certificates(station, path),
                                   on_done=self._installed,
                                   on_error=lambda e: self._failed(e, ""))

    # -- done ----------------------------------------------------------------------
    def _installed(self, identity: ca.NodeIdentity) -> None:
        if not self.winfo_exists():
            return
        self.sent = None
        self._idle()
        self.button.configure(state="disabled")
        self.error.configure(text="")
        self.status.configure(text=_("已入网：{code}，证书已安装。请妥善保管本机：证书和签名密钥只在这台电脑上。")
                              .format(code=identity.code), bootstyle="success")
        self.on_enrolled(identity)

    def destroy(self) -> None:
        if self._tick is not None:
            self.after_cancel(self._tick)
            self._tick = None
        self.sent = None
        super().destroy()
