"""Errors of the station: store, filing, documents, command line.

StationError                 any problem the station reports; the root
├── NotInitialised           no station in the data directory
├── AlreadyInitialised       init over an existing station
├── InvalidNodeCode          node code not 12 digits or not matching the tier
├── PassphraseNeeded         no passphrase given and no terminal to ask on
├── StoreTooNew              data written by a newer program version
├── StoreCorrupt             a stored record fails to decrypt or check
├── CaseNotFound             no case with that number
├── MaterialProblem          a material file is missing, empty or unknown
├── DocumentError            a PDF cannot be written (font, folder)
└── CalendarError            a date or day count cannot be understood

Each docstring is the message a person reads (Chinese, the source language of
the message catalogue); ``{name}`` placeholders are filled from the keyword
arguments given when raising. ``exit_code`` is the command's exit status
(documented in README.md).
"""

from __future__ import annotations


class StationError(Exception):
    """办理出错。"""

    exit_code = 1

    def __init__(self, **params: object) -> None:
        super().__init__(params)
        self.params = params

    def __str__(self) -> str:
        return (self.__doc__ or "").strip().format_map(self.params)


class NotInitialised(StationError):
    """数据目录 {path} 中还没有建站，请先运行 station init。"""

    exit_code = 5


class AlreadyInitialised(StationError):
    """数据目录 {path} 中已经建过站，不能重复初始化。"""

    exit_code = 1


class InvalidNodeCode(StationError):
    """站点编码 {code} 不正确：{reason}"""

    exit_code = 4


class InvalidTier(StationError):
    """层级 {tier} 不正确：只能是 village（村）、township（乡镇）或 county（县）。"""

    exit_code = 4


class PassphraseNeeded(StationError):
    """需要口令：请在终端中运行，或设置环境变量 {variable}。"""

    exit_code = 3


class PassphraseMismatch(StationError):
    """两次输入的口令不一致，请重新设置。没有改动任何数据。"""

    exit_code = 3


class StoreTooNew(StationError):
    """本站数据由更新版本的程序写入（数据版本 {found}，本程序支持到 {supported}），请先升级程序。"""

    exit_code = 6


class StoreDamaged(StationError):
    """本站数据已损坏或被改动：{detail} 请停止在这台电脑上办件，并联系县级管理员。"""

    exit_code = 6


class CaseNotFound(StationError):
    """没有找到办件 {case_no}。"""

    exit_code = 5


class MaterialProblem(StationError):
    """材料“{name}”的文件 {path} 无法使用：{reason}"""

    exit_code = 4


class ReuseWithoutConsent(StationError):
    """复用以前交过的材料须经申请人本人同意：请向申请人说明并勾选“申请人同意复用”。"""

    exit_code = 4


class ReuseWithPages(StationError):
    """材料“{names}”既选了复用以前交过的，又交了新的页：请只选一种。"""

    exit_code = 4


class ReuseNotOffered(StationError):
    """材料“{names}”没有可复用的：本站没有该居民以前交过的这份材料，或已超过可复用期限，请收取新的材料。"""

    exit_code = 4


class MaterialSpecInvalid(StationError):
    """材料参数 {value} 的格式不对，应写成 材料名称=文件路径。"""

    exit_code = 4


class InputFileInvalid(StationError):
    """文件 {path} 无法读取：{reason}"""

    exit_code = 4


class DocumentsInsideData(StationError):
    """打印文件不能保存在数据目录 {data} 里（{folder}），请选择其他文件夹。"""

    exit_code = 4


class DocumentError(StationError):
    """无法生成打印文件。"""

    exit_code = 1


class FontMissing(DocumentError):
    """找不到可以嵌入 PDF 的中文字体，无法生成打印文件。请安装文泉驿微米黑字体（统信UOS、银河麒麟、Debian：sudo apt install fonts-wqy-microhei），或把环境变量 STATION_CJK_FONT 设为一个 TrueType 中文字体文件（.ttf 或 .ttc，例如 C:\\Windows\\Fonts\\simsun.ttc）。已查找：{tried}"""  # noqa: E501

    exit_code = 1


class DocumentFolderUnwritable(DocumentError):
    """无法把打印文件保存到文件夹 {folder}（{reason}）。请检查文件夹是否存在、当前用户能否写入、磁盘是否已满，或换一个文件夹。"""  # noqa: E501

    exit_code = 4


class IdNumberNotMasked(DocumentError):
    """打印文件上的身份证号必须遮盖中间位数（如 4509**********123X），不能打印完整号码。"""

    exit_code = 1


class CalendarError(StationError):
    """日期或工作日天数无法识别。"""

    exit_code = 4


class DateInvalid(CalendarError):
    """日期“{text}”无法识别，请按“年-月-日”填写，例如 2026-09-28。"""

    exit_code = 4


class DayCountInvalid(CalendarError):
    """工作日天数“{count}”不正确，应为 0 或正整数。"""

    exit_code = 4


class CalendarFileInvalid(CalendarError):
    """节假日安排文件 {file} 有误：{detail}。请向县政务服务中心重新获取该文件。"""

    exit_code = 4


class MaterialNotFound(StationError):
    """办件 {case_no} 没有材料“{name}”第 {page} 页。"""

    exit_code = 5


class MaterialFileMissing(StationError):
    """材料文件 {address} 不见了"""

    exit_code = 6


class ScanFolderUnavailable(StationError):
    """无法监视扫描文件夹 {folder}（{reason}）。请检查文件夹能否打开、当前用户能否读写，或在设置中换一个文件夹。"""  # noqa: E501

    exit_code = 4


class PageUnreadable(StationError):
    """无法读取图片 {name}：文件已损坏或不是图片。"""

    exit_code = 4


class PageMissing(StationError):
    """找不到图片 {name}：文件可能已被移动或删除。"""

    exit_code = 4


class PageNotRotatable(StationError):
    """{name} 是 PDF 文件，无法旋转；请在扫描时摆正。"""

    exit_code = 4


class PageNotSaved(StationError):
    """无法保存旋转后的图片 {name}（{reason}）。请检查文件夹能否写入、磁盘是否已满。"""

    exit_code = 4


class NotPermitted(StationError):
    """本站（{tier}）不能执行“{action}”：这一步须由上级站点或县级管理员完成。"""

    exit_code = 4


class EnrolmentFileInvalid(StationError):
    """入网文件 {path} 无法使用：{reason}"""

    exit_code = 4


class LoginThrottled(StationError):
    """用户 {user} 口令错误次数太多，请 {seconds} 秒后再试。"""

    exit_code = 3


class UnknownRole(StationError):
    """没有“{role}”这个角色；可用的角色：{roles}。"""

    exit_code = 4


class OfficeNeeded(StationError):
    """“{role}”角色必须属于一个科室（如 民政办），请用 --office 指定。"""

    exit_code = 4


class NotAnOfficeMember(StationError):
    """用户 {user} 不是“{office}”的成员，不能使用该科室的密钥。"""

    exit_code = 3


class OfficeKeyHeld(StationError):
    """科室“{office}”已经有密钥，由 {holders} 持有：新同事的密钥请由他们在“设置 → 科室密钥”中交给新同事，管理员不能另建。"""  # noqa: E501

    exit_code = 4


class OfficeHasNoMembers(StationError):
    """科室“{office}”还没有成员：请先添加科室为“{office}”的审核员，再建立科室密钥。"""

    exit_code = 4


class LastOfficeKeyHolder(StationError):
    """{user} 是“{office}”唯一持有科室密钥的人：移出后，本科室的新办件谁也打不开。请先由他把科室密钥交给本科室的另一位同事，再移出。"""  # noqa: E501

    exit_code = 4


class RoleRequired(StationError):
    """用户 {user}（{role}）不能执行“{action}”：需要以下角色之一：{roles}。"""

    exit_code = 3


class DiskRefusesWrites(StationError):
    """无法写入 {path}（{reason}）：磁盘可能已满或只读。请腾出磁盘空间，或换一个可写的数据目录，再重新启动；已有的数据没有改动。"""  # noqa: E501

    exit_code = 7  # station.cli.main.EXIT_DISK


class HubCaInvalid(StationError):
    """{path} 不是证书文件：请选县里提供的 PEM 格式证书（.pem 或 .crt）。未作任何更改。"""

    exit_code = 4


class HubNotSet(StationError):
    """还没有填写上级枢纽站的地址，请先填写地址再同步。"""

    exit_code = 4


class NotEnrolled(StationError):
    """本站尚未入网（还没有上级签发的证书），还不能同步。请先办理入网：输入入网注册单上的注册码。"""

    exit_code = 4


class HubPublicNameNeeded(StationError):
    """枢纽站监听所有网卡（{listen}），须用 --public-name 给出客户端使用的地址。"""

    exit_code = 2


class HubWorkersNeedPostgres(StationError):
    """多个工作进程（--workers {workers}）须共用一个 PostgreSQL 数据库：请用 --db postgresql://… 指定数据库；默认的 SQLite 数据库只能由一个进程使用。"""  # noqa: E501

    exit_code = 2


class HubWorkersUnavailable(StationError):
    """本机不能运行多个工作进程（--workers {workers}）：需要 Linux 和 gunicorn。请去掉 --workers（即只用一个进程）。"""  # noqa: E501

    exit_code = 2


class BundleNeedsEnrolment(StationError):
    """本站尚未入网（还没有证书），不能导出离线数据包；请先完成入网（“入网”页面）。"""

    exit_code = 4


class ClockPolicyInvalid(StationError):
    """计时规则设置不正确。"""

    exit_code = 4


class YellowShareInvalid(ClockPolicyInvalid):
    """黄牌比例“{value}”不正确：应为大于 0、不超过 1 的数，例如 0.8 或 80%。"""

    exit_code = 4


class CallbackDaysInvalid(ClockPolicyInvalid):
    """差评回访天数“{value}”不正确：应为 0 或正整数（工作日）。"""

    exit_code = 4


class FixDaysInvalid(ClockPolicyInvalid):
    """差评整改天数“{value}”不正确：应为 0 或正整数（工作日）。"""

    exit_code = 4


class RedPointsInvalid(ClockPolicyInvalid):
    """红牌扣分“{value}”不正确：应为 0 或正数，例如 2 或 0.5。"""

    exit_code = 4


class YellowPointsInvalid(ClockPolicyInvalid):
    """黄牌扣分“{value}”不正确：应为 0 或正数，例如 2 或 0.5。"""

    exit_code = 4


# Office seals and signed documents (station/trust/seals.py, station/documents/sign.py,
# station/documents/verify.py, station verify-pdf):
# StationError
# ├── SealExists, SealMissing, SealNeedsIssuer, SealOfficeMismatch, NoTrustRoot
# ├── PdfUnreadable             not a PDF, or damaged beyond reading
# ├── PdfNotSigned              a PDF without any seal
# └── SealCheckFailed           {reason}: PdfTampered, PdfAppended, SealUntrusted, or a
#                               keys TrustError (revoked, expired, another county …)


class SealExists(StationError):
    """本站已经有“{office}”的印章（序列号 {serial}，有效至 {not_after}）；印章被吊销或过期后才能重新制作。"""  # noqa: E501

    exit_code = 4


class SealMissing(StationError):
    """本站没有“{office}”的印章，请本站管理员先在“管理”中制作该科室的印章。"""

    exit_code = 5


class SealNeedsIssuer(StationError):
    """本站（{tier}）不能制作印章：只有县级站点（根证书）和已入网的乡镇站点（签发证书）能为本站科室制作印章。"""

    exit_code = 4


class SealOfficeMismatch(StationError):
    """这枚印章是“{seal}”的，不能以“{office}”的名义盖章。"""

    exit_code = 4


class NoTrustRoot(StationError):
    """本站还没有县级根证书（尚未入网），无法核验印章；请先完成入网。"""

    exit_code = 4


class PdfUnreadable(StationError):
    """文件 {path} 不是 PDF 文件，或已损坏得无法读取。"""

    exit_code = 4


class PdfNotSigned(StationError):
    """文件 {path} 没有电子印章（未盖章），无法证明它由哪个科室出具。"""

    exit_code = 1


class SealCheckFailed(StationError):
    """文件 {path} 的电子印章未通过核验：{reason}"""

    exit_code = 1


class PdfTampered(StationError):
    """文件在盖章后被改动过（印章签署的内容与文件不符），这份文书不可信。"""

    exit_code = 1


class PdfAppended(StationError):
    """盖章后文件又被追加了其他内容，印章没有覆盖整个文件。"""

    exit_code = 1


class SealUntrusted(StationError):
    """印章证书不能追溯到本县的根证书（不是本县签发的，或证书链不完整），不能信任。"""

    exit_code = 1


class CaseNotReadable(StationError):
    """用户 {user} 所在科室不能阅读办件 {case_no}（该办件未发送给本科室）。"""

    exit_code = 3


class VerdictInvalid(StationError):
    """材料“{name}”的审查结论“{verdict}”无效，应为 ok、missing 或 unclear。"""

    exit_code = 4


class NothingMissing(StationError):
    """办件 {case_no} 没有标记为缺少或不清晰的材料，无需发出补齐补正告知。"""

    exit_code = 4


class RatingInvalid(StationError):
    """评价“{rating}”无效，应为：{levels}。"""

    exit_code = 4


class AcceptBlocked(StationError):
    """办件 {case_no} 还有必交材料缺少或不清晰（{materials}），不能受理。
    请先发出补齐补正告知；确需受理的，请填写受理理由。"""

    exit_code = 4


class ReasonRequired(StationError):
    """“{action}”必须填写理由。"""

    exit_code = 4


class ChainNotResumed(StationError):
    """本站刚从备份恢复（或是换上的新电脑），还没有与上级核对已上报的记录，
    新件的编号可能与原电脑已办的重复。请先点“立即同步”，核对后即可办件；
    正在填写的内容可以先存为草稿。"""

    exit_code = 4


class BundleNeedsOnlineSync(StationError):
    """本站刚从备份恢复（或是换上的新电脑），第一次同步要联网进行：U盘不能核对上级已有的记录。
    请联网后点“立即同步”，之后即可用U盘同步。"""

    exit_code = 4
