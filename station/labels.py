"""What people call the actions a role or a tier may be refused (the codes stay in the code).

A refusal names the action; the command line's words ("ca revoke", "user add") are
code, and the same refusal reaches the window.  ``action_name`` gives the words a
clerk reads, in either interface.
"""

from __future__ import annotations

from station.i18n import N_, translate

ACTION_LABELS = {
    "admin": N_("管理"),
    "audit": N_("审计"),
    "audit overrides": N_("查看材料缺项受理"),
    "audit verify": N_("核验枢纽站"),
    "ca init": N_("建立县级根证书"),
    "ca revoke": N_("吊销证书"),
    "clock policy": N_("设置时限规则"),
    "enrol approve": N_("批准入网"),
    "enrol issue": N_("签发注册码"),
    "enrol pending": N_("查看入网申请"),
    "enrol refuse": N_("拒绝入网申请"),
    "office add-member": N_("交出科室密钥"),
    "office create": N_("建立科室密钥"),
    "office remove-member": N_("移出科室"),
    "progress address": N_("设置进度查询地址"),
    "publish calendar": N_("发布节假日安排"),
    "publish catalogue": N_("发布事项目录"),
    "queue": N_("查看待办队列"),
    "queue claim": N_("认领办件"),
    "queue return": N_("退回村站"),
    "review": N_("审核办件"),
    "revocations issue": N_("签发吊销名单"),
    "seal create": N_("制作印章"),
    "seal use": N_("盖章"),
    "supervise": N_("电子监察与统计"),
    "user add": N_("添加用户"),
    "user change": N_("修改用户"),
    "user disable": N_("停用用户"),
    "user list": N_("查看用户"),
    "user reset": N_("重设口令"),
}


def action_name(action: str) -> str:
    """The action as people call it (an unlisted one as given)."""
    return translate(ACTION_LABELS[action]) if action in ACTION_LABELS else action
