import sys
from pathlib import Path
sys.path.insert(0, 'tests')
import polib
import test_i18n as t

OUT = Path('station/locale/en/network.po')
EN = {
 '本站尚未入网或还没有设置枢纽站地址；请先入网，再用 station sync --hub 地址 设置。':
   'This station is not enrolled yet or has no hub address set; enrol first, then set the address with station sync --hub ADDRESS.',
 '同步未完成：{reason}': 'Sync did not finish: {reason}',
 '收到的{what}格式不正确，已拒收。': 'The {what} received is malformed and was rejected.',
 '请求格式不正确：{reason}。本次请求未作任何更改。': 'The request is malformed: {reason}. Nothing was changed.',
 '站点 {node} 不归本枢纽站（{hub}）管辖，请求被拒绝。': 'Station {node} is not served by this hub ({hub}); the request was refused.',
 '站点 {node} 尚未在本枢纽站登记证书；请先完成入网并重新连接。': "Station {node} has no certificate registered at this hub; finish enrolment first, then connect again.",
 '站点 {node} 的证书已被吊销，请求被拒绝。': "The certificate of station {node} has been revoked; the request was refused.",
 '{tier}站点 {node} 无权产生“{type}”事件，整批未收。': '{tier} station {node} is not allowed to record “{type}” events; the whole batch was rejected.',
 '案件 {case_no} 当前状态为“{state}”，不能接受“{type}”事件，整批未收。': 'Case {case_no} is currently “{state}” and cannot take a “{type}” event; the whole batch was rejected.',
 '站点 {node} 第 {seq} 条事件与本枢纽站已收的内容不同（已留存为分叉证据），整批未收。':
   'Event {seq} of station {node} differs from the one this hub already received (kept as evidence of a fork); the whole batch was rejected.',
 '事件引用的材料 {address} 尚未上传完整，请先上传材料。': 'The material {address} that the event refers to has not been fully uploaded; upload the material first.',
 '材料 {address} 的续传位置不对：枢纽站已收 {expected} 字节，请从该处续传。': 'Wrong resume position for material {address}: the hub already has {expected} bytes; resume the upload from there.',
 '材料 {address} 的一段数据校验不符（SHA-256），未保存，请重发这一段。': 'A chunk of material {address} failed its SHA-256 check and was not saved; send this chunk again.',
 '材料 {address} 超过上限 {limit} 字节，已拒收。': 'Material {address} is larger than the limit of {limit} bytes and was rejected.',
 '材料地址“{address}”不是 64 位十六进制的 SHA-256 摘要，已拒收。': 'The material address “{address}” is not a 64-character hexadecimal SHA-256 digest and was rejected.',
 '材料 {address} 已收齐，但整体摘要与地址不符，已丢弃，请重新上传。': "Material {address} arrived in full, but its digest does not match its address; it was discarded. Upload it again.",
 '找不到 {what}。': '{what} was not found.',
 '案件 {case_no} 已由 {holder} 认领，不能重复认领。': 'Case {case_no} has already been claimed by {holder} and cannot be claimed again.',
 '案件 {case_no} 不在您名下（认领人：{holder}），不能退回或释放。': 'Case {case_no} is not claimed by you (claimed by {holder}), so you cannot return or release it.',
 '连不上枢纽站 {address}（{reason}）。办件已安全保存在本机，网络恢复后会自动续传。':
   'Cannot reach the hub at {address} ({reason}). Your cases are safely stored on this PC and will be sent automatically once the network is back.',
 '枢纽站答复：{detail}': 'The hub answered: {detail}',
 '离线数据包 {path} 无法使用：{reason}。未导入任何内容。': 'The offline bundle {path} cannot be used: {reason}. Nothing was imported.',
 '已退回村站': 'returned to the village station',
 '已同步：上传 {pushed} 条，下载 {pulled} 条，材料 {materials} 份，待发 {pending} 条。':
   'Synced: {pushed} events sent, {pulled} received, {materials} materials; {pending} events waiting to be sent.',
 '枢纽站（乡镇、县）': 'hub (township, county)',
 '运行枢纽站服务': 'run the hub service',
 '监听地址 HOST:PORT，例如 0.0.0.0:8470': 'address to listen on, HOST:PORT, e.g. 0.0.0.0:8470',
 '数据库地址（默认：数据目录中的 SQLite；或 postgresql://…）': 'database address (default: SQLite in the data folder; or postgresql://…)',
 '上级枢纽站地址（县级不填）': "parent hub's address (leave out at county level)",
 '县级管理员：审计同步日志': 'county administrator: audit the sync log',
 '核验全网事件链、回执和失联站点': 'check the event chains, receipts and silent stations of the whole network',
 '枢纽站数据库地址（默认：数据目录中的 SQLite）': "hub database address (default: SQLite in the data folder)",
 '超过几天未同步算失联': 'days without a sync before a station counts as silent',
 '与枢纽站同步': 'sync with the hub',
 '枢纽站地址（记住供以后使用）': 'hub address (remembered for later)',
 '只同步一轮': 'sync once, then stop',
 '审核员：本科室待办队列': "reviewer: your office's queue of cases",
 '科室（默认：本人所在科室）': 'office (default: your own office)',
 '认领办件': 'claim a case',
 '退回村站': 'return a case to the village station',
 '退回原因': 'reason for returning it',
 '审计：{nodes} 个站点，{events} 条事件；分叉 {forks}，缺口 {gaps}，签名无效 {bad}，途中丢失 {lost}，失联站点 {silent}。':
   'Audit: {nodes} stations, {events} events; forks {forks}, gaps {gaps}, invalid signatures {bad}, lost in transit {lost}, silent stations {silent}.',
 '队列为空。': 'The queue is empty.',
 '已认领办件 {case_no}。': 'Claimed case {case_no}.',
 '已退回办件 {case_no}。': 'Returned case {case_no}.',
 '同步失败：': 'Sync failed: ',
 '演示：在本机运行县、乡镇枢纽站和村站，办件走完一个来回': 'demo: run county and township hubs and a village station on this PC, and take a case there and back',
 '只建站并完成入网，不启动枢纽站、不登记办件': 'only set up and enrol the stations; start no hubs and file no cases',
 '已登记 {filed} 件，乡镇收到 {at_township} 件，县级收到 {at_county} 件，退回村站 {returned_to_village} 件；审计{audit}。':
   'Filed {filed} cases; the township received {at_township}, the county received {at_county}, {returned_to_village} returned to the village station; audit {audit}.',
 '通过': 'passed',
 '{tier}站点 {node} 无权产生“{event_type}”事件，整批未收。': '{tier} station {node} is not allowed to record “{event_type}” events; the whole batch was rejected.',
 '案件 {case_no} 当前状态为“{state}”，不能接受“{event_type}”事件，整批未收。': 'Case {case_no} is currently “{state}” and cannot take a “{event_type}” event; the whole batch was rejected.',
 '未通过': 'failed',
}

# entries already in network.po (kept if still used)
kept = {}
if OUT.exists():
    for e in polib.pofile(str(OUT)):
        if e.msgid:
            kept[e.msgid] = e.msgstr
others = {}
for po in sorted(OUT.parent.glob('*.po')):
    if po.name == OUT.name:
        continue
    for e in polib.pofile(str(po)):
        others[e.msgid] = e.msgstr
msgs = t.all_messages()
wanted = [(m, w) for m, w in msgs.items() if m not in others or not others[m]]
wanted = [(m, w) for m, w in wanted if m not in others]  # never duplicate a msgid
untranslated = [m for m, _ in wanted if not (EN.get(m) or kept.get(m))]
if untranslated:
    print('NO TRANSLATION YET:'); [print(' ', repr(m), msgs[m]) for m in untranslated]
    sys.exit(1)
po = polib.POFile(wrapwidth=78)
po.header = ('English translation of the network messages: hub problems (sync/problems.py),\n'
             'sync errors (station/errors.py) and the sync, queue and demo commands.\n'
             'The source language is Simplified Chinese; every msgid is the Chinese text.')
po.metadata = {'Content-Type': 'text/plain; charset=UTF-8', 'Language': 'en'}
for m, w in wanted:
    en = EN.get(m) or kept[m]
    assert t.placeholders(m) == t.placeholders(en), m
    po.append(polib.POEntry(msgid=m, msgstr=en, comment=w))
po.save(str(OUT))
text = OUT.read_text(encoding='utf-8')
OUT.write_text(text.replace('"Language: en\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n', '"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: en\\n"\n', 1), encoding='utf-8')
print('wrote', len(po), 'entries; dropped', sorted(set(kept) - {m for m, _ in wanted}))
