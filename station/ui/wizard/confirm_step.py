"""Step 5 确认: everything on one page; filing runs on the worker with progress."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from forms.identity import mask_id
from station.filing.drafts import file_draft
from station.filing.matter_search import record_recent
from station.filing.new_case import FilingResult, file_case
from station.i18n import N_, _
from station.ui.opener import open_file
from station.ui.provisional import dated
from station.ui.wizard.step import StepFrame, Wizard


class ConfirmStep(StepFrame):
    title = N_("确认提交")

    def __init__(self, parent: tk.Misc, wizard: Wizard) -> None:
        super().__init__(parent, wizard)
        self.result: FilingResult | None = None
        draft = wizard.draft
        matter = draft.matter
        assert matter is not None
        person = draft.applicant
        labels = {f.name: f.label for f in matter.fields}
        lines = [
            _("事项：{name}（{code}）").format(name=matter.name, code=matter.code),
            _("申请人：{name}　{id_number}　{phone}").format(
                name=person["name"], id_number=mask_id(person["id_number"].upper()),
                phone=person["phone"]),
            _("住址：{address}").format(address=person["address"]),
        ]
        if draft.proxy:
            lines.append(_("代办：由代办员代为申请（申请人已同意）"))
        lines += [f"{labels.get(k, k)}：{v}" for k, v in draft.form.items()]
        pages = [_("{name} {count} 页").format(name=name, count=len(paths))
                 for name, paths in draft.pages.items() if paths]
        lines.append(_("材料：{items}").format(items="；".join(pages) or "—"))
        names = [m.name for m in matter.materials]

        def order(name: str) -> int:
            return names.index(name) if name in names else len(names)

        if draft.reuse:
            reused = [_("{name} {count} 页（复用自办件 {case_no}）").format(
                name=name, count=source.pages, case_no=source.case_no)
                for name, source in sorted(draft.reuse.items(), key=lambda kv: order(kv[0]))]
            lines.append(_("复用以前交过的材料：{items}").format(items="；".join(reused)))
            lines.append(_("申请人已同意复用以前交过的材料") if draft.reuse_consent
                         else _("申请人尚未同意复用：请回到“材料”一步确认"))
        missing = draft.missing()
        ttk.Label(self, text="\n".join(lines), justify="left", wraplength=900).pack(anchor="w")
        if missing:
            hint = _("缺件提示：{items}。收件凭证上将列出，是否需要补充由审核机关书面告知。")
            ttk.Label(self, text=hint.format(items="、".join(missing)), bootstyle="warning",
                      wraplength=900).pack(anchor="w", pady=8)
        self.progress = ttk.Progressbar(self, mode="indeterminate")
        self.outcome = ttk.Label(self, text="", justify="left", wraplength=900,
                                 bootstyle="success")
        self.outcome.pack(anchor="w", pady=8)
        self.print_button = ttk.Button(self, text=_("打印／预览收件凭证"), bootstyle="primary",
                                       command=self.print_receipt)
        self.print_note = ttk.Label(self, text="", justify="left", wraplength=900,
                                    bootstyle="warning")

    def enter(self) -> None:
        self.focus_set()

    def leave(self) -> bool:
        """Submitting: file the case (once)."""
        if self.result is not None or self.wizard.working:
            return False
        self.wizard.saver.save()  # anything still waiting for a pause in typing
        self.wizard.saver.paused = True
        self.wizard.working = True
        self.progress.pack(fill=tk.X, pady=6)
        self.progress.start(10)
        draft, app = self.wizard.draft, self.wizard.app
        station = app.opened
        matter = draft.matter
        assert matter is not None
        files, applicant, form, proxy = draft.files(), dict(draft.applicant), dict(draft.form), \
            draft.proxy
        draft_id, reuse, consent = draft.id, list(draft.reuse), draft.reuse_consent
        app.dispatcher.submit(
            lambda: file_draft(station, draft_id, matter.code, applicant, form, files, proxy,
                               reuse=reuse, consent=consent)
            if draft_id else file_case(station, matter.code, applicant, form, files, proxy=proxy,
                                       reuse=reuse, consent=consent),
            on_done=self.filed, on_error=self.failed)
        return False

    def failed(self, error: BaseException) -> None:
        self.wizard.working = False
        self.wizard.saver.paused = False  # not filed: the draft is kept again
        self.progress.stop()
        self.progress.pack_forget()
        self.wizard.app.show_error(error)

    def filed(self, result: FilingResult) -> None:
        self.wizard.working = False
        self.result = result
        self.progress.stop()
        self.progress.pack_forget()
        app = self.wizard.app
        matter = self.wizard.draft.matter
        if matter is not None:
            app.config.recent_matters = record_recent(app.config.recent_matters, matter.code)
        app.config.save(app.config_dir)
        text = [_("已收件，办件编号：{case_no}").format(case_no=result.case_no)]
        if result.deadline:
            text.append(_("承诺办结日期：{date}").format(
                date=dated(result.deadline, result.deadline_provisional)))
        if result.reused:
            text.append(_("经申请人同意复用：{items}（收件凭证上注明来源）").format(
                items="、".join(result.reused)))
        if result.missing:
            text.append(_("收件凭证已列出缺件提示，请打印交给申请人。"))
        if result.receipt is not None:
            text.append(_("收件凭证已保存：{path}").format(path=result.receipt))
        self.outcome.configure(text="\n".join(text))
        if result.receipt is not None:
            self.print_button.pack(anchor="w", pady=(0, 6))
            self.print_note.pack(anchor="w")
            self.print_receipt()
        self.wizard.finished(result)

    def print_receipt(self) -> None:
        """Open the receipt in the PC's PDF viewer to print it; say so when there is none."""
        receipt = self.result.receipt if self.result is not None else None
        if receipt is None:
            return
        if open_file(receipt):
            self.print_note.configure(text="")
        else:
            self.print_note.configure(text=_(
                "本机没有可以打开 PDF 文件的程序，收件凭证未能自动打开。请在文件夹 {folder} 中"
                "找到它打印，或请管理员安装 PDF 阅读器。").format(folder=receipt.parent))
