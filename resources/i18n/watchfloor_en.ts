<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>alerts</name>
    <message>
        <source>警员长时间静止</source>
        <translation>Officer idle</translation>
    </message>
    <message>
        <source>越出责任区</source>
        <translation>Outside zone</translation>
    </message>
    <message>
        <source>终端失联</source>
        <translation>Device silent</translation>
    </message>
    <message>
        <source>1-3-15 超时</source>
        <translation>1-3-15 missed</translation>
    </message>
    <message>
        <source>整改逾期</source>
        <translation>Rectification overdue</translation>
    </message>
    <message>
        <source>重复投诉</source>
        <translation>Repeat complaints</translation>
    </message>
    <message>
        <source>紧急求助</source>
        <translation>SOS</translation>
    </message>
    <message>
        <source>暂无督办告警</source>
        <translation>No supervision alerts</translation>
    </message>
    <message>
        <source>{time}  【{kind}】 {detail}</source>
        <translation>{time}  [{kind}] {detail}</translation>
    </message>
</context>
<context>
    <name>banner</name>
    <message>
        <source>正在连接指挥中心数据枢纽…</source>
        <translation>Connecting to the command-center hub…</translation>
    </message>
    <message>
        <source>数据中断：与数据枢纽失去连接 · 最后数据 {age} 前</source>
        <translation>Hub offline · last data {age} ago</translation>
    </message>
    <message>
        <source>数据中断：无法连接数据枢纽</source>
        <translation>Hub unreachable</translation>
    </message>
    <message>
        <source>数据已过期：{age} 未收到心跳</source>
        <translation>Data stale · no heartbeat for {age}</translation>
    </message>
    <message>
        <source>{s} 秒</source>
        <translation>{s} s</translation>
    </message>
    <message>
        <source>{m} 分 {s} 秒</source>
        <translation>{m} min {s} s</translation>
    </message>
    <message>
        <source>{h} 小时 {m} 分</source>
        <translation>{h} h {m} min</translation>
    </message>
</context>
<context>
    <name>clock</name>
    <message>
        <source>星期一</source>
        <translation>Monday</translation>
    </message>
    <message>
        <source>星期二</source>
        <translation>Tuesday</translation>
    </message>
    <message>
        <source>星期三</source>
        <translation>Wednesday</translation>
    </message>
    <message>
        <source>星期四</source>
        <translation>Thursday</translation>
    </message>
    <message>
        <source>星期五</source>
        <translation>Friday</translation>
    </message>
    <message>
        <source>星期六</source>
        <translation>Saturday</translation>
    </message>
    <message>
        <source>星期日</source>
        <translation>Sunday</translation>
    </message>
    <message>
        <source>{y}年{m}月{d}日 {weekday}</source>
        <translation>{weekday} {y}-{m:02d}-{d:02d}</translation>
    </message>
</context>
<context>
    <name>cockpit</name>
    <message>
        <source>近{days}日</source>
        <translation>Last {days} days</translation>
    </message>
    <message>
        <source>统计暂不可用：{error}</source>
        <translation>Figures unavailable: {error}</translation>
    </message>
    <message>
        <source>未连接指挥中心，统计暂不可用</source>
        <translation>Not connected to the centre: no figures</translation>
    </message>
    <message>
        <source>正在读取统计…</source>
        <translation>Reading figures…</translation>
    </message>
    <message>
        <source>数据已过时 · 截至 {time}</source>
        <translation>Figures out of date · as of {time}</translation>
    </message>
    <message>
        <source>{period} · 截至 {time}</source>
        <translation>{period} · as of {time}</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>结案</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>其余大类</source>
        <translation>Other class groups</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Others</translation>
    </message>
    <message>
        <source>未分类</source>
        <translation>Uncategorised</translation>
    </message>
    <message>
        <source>期内暂无案件</source>
        <translation>No cases in the period</translation>
    </message>
    <message>
        <source>{category} ×{n}</source>
        <translation>{category} ×{n}</translation>
    </message>
    <message>
        <source>结案率</source>
        <translation>Closure rate</translation>
    </message>
    <message>
        <source>按期结案率</source>
        <translation>On-time closure rate</translation>
    </message>
    <message>
        <source>1-3-15 达标率</source>
        <translation>1-3-15 compliance</translation>
    </message>
    <message>
        <source>结案率 = 结案 / 应结案</source>
        <translation>Closure rate = closed / due</translation>
    </message>
    <message>
        <source>按期结案率 = 按期结案 / 应结案</source>
        <translation>On-time closure rate = closed on time / due</translation>
    </message>
    <message>
        <source>1-3-15 达标率 = 按时 / (按时 + 超时)（未到时限的案件不计）</source>
        <translation>1-3-15 compliance = in time / (in time + late) (cases not yet at a deadline not counted)</translation>
    </message>
    <message>
        <source>响应时间中位数 = 上报至受理 / 出发 / 处置完毕的秒数的中位数</source>
        <translation>Response-time median = median time from report to accepted / moving out / handled</translation>
    </message>
    <message>
        <source>满意率</source>
        <translation>Satisfaction rate</translation>
    </message>
    <message>
        <source>重复派单率</source>
        <translation>Duplicate dispatch rate</translation>
    </message>
    <message>
        <source>重复派单率 = 并案件 / 受理</source>
        <translation>Duplicate dispatch rate = merged / received</translation>
    </message>
    <message>
        <source>满意率 = 满意 / 已评价回访（满意 + 基本满意 + 不满意；未联系上不计）</source>
        <translation>Satisfaction rate = satisfied / rated visits (satisfied + fairly satisfied + dissatisfied; not reached is not counted)</translation>
    </message>
    <message>
        <source>受理中位</source>
        <translation>Accept median</translation>
    </message>
    <message>
        <source>出发中位</source>
        <translation>Move-out median</translation>
    </message>
    <message>
        <source>处置中位</source>
        <translation>Handle median</translation>
    </message>
    <message>
        <source>结案 {a} / 应结案 {b}</source>
        <translation>Closed {a} / due {b}</translation>
    </message>
    <message>
        <source>按期结案 {a} / 应结案 {b}</source>
        <translation>On time {a} / due {b}</translation>
    </message>
    <message>
        <source>受理/出发/处置 {rates}</source>
        <translation>Accept/move/handle {rates}</translation>
    </message>
    <message>
        <source>满意 {a} / 已评价 {b} · 未联系上 {c}</source>
        <translation>Satisfied {a} / rated {b} · not reached {c}</translation>
    </message>
    <message>
        <source>并案件 {a} / 受理 {b}</source>
        <translation>Merged {a} / received {b}</translation>
    </message>
</context>
<context>
    <name>deadline</name>
    <message>
        <source>{n}分钟</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <source>{n}个工作时</source>
        <translation>{n} working hours</translation>
    </message>
    <message>
        <source>{n}个工作日</source>
        <translation>{n} working days</translation>
    </message>
    <message>
        <source>{d}天{h}时</source>
        <translation>{d}d {h}h</translation>
    </message>
    <message>
        <source>{h}时{m:02d}分</source>
        <translation>{h}h {m:02d}m</translation>
    </message>
    <message>
        <source>{m}分</source>
        <translation>{m}m</translation>
    </message>
    <message>
        <source>{d}个工作日{h}时</source>
        <translation>{d} working d {h}h</translation>
    </message>
    <message>
        <source>{h}个工作时{m:02d}分</source>
        <translation>{h} working h {m:02d}m</translation>
    </message>
    <message>
        <source>{m}个工作分钟</source>
        <translation>{m} working min</translation>
    </message>
    <message>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>剩{span}</source>
        <translation>{span} left</translation>
    </message>
    <message>
        <source>超期{span}</source>
        <translation>Overdue {span}</translation>
    </message>
    <message>
        <source>按期处置</source>
        <translation>Dealt with in time</translation>
    </message>
    <message>
        <source>超期{span}处置</source>
        <translation>Dealt with {span} late</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>{when}（{limit}）· {standing}</source>
        <translation>{when} ({limit}) · {standing}</translation>
    </message>
</context>
<context>
    <name>desk</name>
    <message>
        <source>请在案件队列中选择案件</source>
        <translation>Select a case in the queue</translation>
    </message>
    <message>
        <source>推荐警员</source>
        <translation>Recommended officer</translation>
    </message>
    <message>
        <source>中队</source>
        <translation>Team</translation>
    </message>
    <message>
        <source>距离</source>
        <translation>Distance</translation>
    </message>
    <message>
        <source>预计到达</source>
        <translation>ETA</translation>
    </message>
    <message>
        <source>辖区</source>
        <translation>Zone</translation>
    </message>
    <message>
        <source>派遣（Ctrl+D）</source>
        <translation>Dispatch (Ctrl+D)</translation>
    </message>
    <message>
        <source>推送到大屏</source>
        <translation>Push to wall</translation>
    </message>
    <message>
        <source>办理（Ctrl+K）</source>
        <translation>Steps (Ctrl+K)</translation>
    </message>
    <message>
        <source>本辖区</source>
        <translation>local team</translation>
    </message>
    <message>
        <source>请选择要派遣的警员</source>
        <translation>Select the officers to dispatch</translation>
    </message>
    <message>
        <source>正在派遣…</source>
        <translation>Dispatching…</translation>
    </message>
    <message>
        <source>派遣失败：{e}</source>
        <translation>Dispatch failed: {e}</translation>
    </message>
    <message>
        <source>已派遣 {names} 前往案件 {id}</source>
        <translation>Dispatched {names} to case {id}</translation>
    </message>
    <message>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <source>请先选择案件</source>
        <translation>Select a case first</translation>
    </message>
    <message>
        <source>正在受理…</source>
        <translation>Accepting…</translation>
    </message>
    <message>
        <source>受理失败：{e}</source>
        <translation>Accept failed: {e}</translation>
    </message>
    <message>
        <source>已受理案件 {id}</source>
        <translation>Accepted case {id}</translation>
    </message>
    <message>
        <source>正在合并…</source>
        <translation>Merging…</translation>
    </message>
    <message>
        <source>合并失败：{e}</source>
        <translation>Merge failed: {e}</translation>
    </message>
    <message>
        <source>已将案件 {id} 并入案件 {into}（×{n}）</source>
        <translation>Case {id} merged into case {into} (×{n})</translation>
    </message>
    <message>
        <source>正在导出… {n}{of} 件</source>
        <translation>Exporting… {n}{of} cases</translation>
    </message>
    <message>
        <source>导出…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>把队列当前显示的案件导出为 Excel 或 CSV 文件</source>
        <translation>Export the cases the queue shows now to an Excel or CSV file</translation>
    </message>
    <message>
        <source>案件</source>
        <translation>Cases</translation>
    </message>
    <message>
        <source>队列中没有可导出的案件</source>
        <translation>The queue shows no cases to export</translation>
    </message>
    <message>
        <source>导出案件</source>
        <translation>Export cases</translation>
    </message>
    <message>
        <source>Excel 工作簿 (*.xlsx);;CSV 文件 (*.csv)</source>
        <translation>Excel workbook (*.xlsx);;CSV file (*.csv)</translation>
    </message>
    <message>
        <source>导出失败：{e}</source>
        <translation>Export failed: {e}</translation>
    </message>
    <message>
        <source>已导出 {n} 件到 {file}</source>
        <translation>Exported {n} cases to {file}</translation>
    </message>
    <message>
        <source>全部中队</source>
        <translation>All teams</translation>
    </message>
    <message>
        <source>全部来源</source>
        <translation>All sources</translation>
    </message>
    <message>
        <source>全部环节</source>
        <translation>All stages</translation>
    </message>
    <message>
        <source>全部案件</source>
        <translation>All cases</translation>
    </message>
    <message>
        <source>只看我的</source>
        <translation>Only mine</translation>
    </message>
    <message>
        <source>只看我的：本席位受理或派遣过的案件</source>
        <translation>Only mine: cases this desk accepted or dispatched</translation>
    </message>
    <message>
        <source>已筛除 {n} 件</source>
        <translation>{n} hidden by the filter</translation>
    </message>
    <message>
        <source>{m} 分钟</source>
        <translation>{m} min</translation>
    </message>
    <message>
        <source>未知</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <source>回看时刻</source>
        <translation>Look back to</translation>
    </message>
    <message>
        <source>回看</source>
        <translation>Look back</translation>
    </message>
    <message>
        <source>回到实时</source>
        <translation>Back to live</translation>
    </message>
    <message>
        <source>{n} 分钟</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <source>人员/车辆</source>
        <translation>Officer / vehicle</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>定位时间</source>
        <translation>Fix time</translation>
    </message>
    <message>
        <source>位置</source>
        <translation>Position</translation>
    </message>
    <message>
        <source>回看 {t} · 有定位 {n} · 无定位 {m}</source>
        <translation>Looking back to {t} · {n} with a fix · {m} without</translation>
    </message>
    <message>
        <source>无定位</source>
        <translation>No fix</translation>
    </message>
    <message>
        <source>回看需要值班长权限</source>
        <translation>Looking back needs a supervisor</translation>
    </message>
    <message>
        <source>回看失败：{e}</source>
        <translation>Look-back failed: {e}</translation>
    </message>
    <message>
        <source>所有大屏</source>
        <translation>all walls</translation>
    </message>
    <message>
        <source>推送失败：{e}</source>
        <translation>Push failed: {e}</translation>
    </message>
    <message>
        <source>已推送到 {wall}</source>
        <translation>Pushed to {wall}</translation>
    </message>
    <message>
        <source>详情 → {wall}</source>
        <translation>Details → {wall}</translation>
    </message>
    <message>
        <source>大屏地图定位到本案</source>
        <translation>Show this case's place on the walls' maps</translation>
    </message>
    <message>
        <source>恢复大屏自动显示</source>
        <translation>Give the walls back their own view</translation>
    </message>
    <message>
        <source>核实：属实</source>
        <translation>Verify: confirmed</translation>
    </message>
    <message>
        <source>核实：不属实（作废）…</source>
        <translation>Verify: false report (void)…</translation>
    </message>
    <message>
        <source>核查通过</source>
        <translation>On-site check passed</translation>
    </message>
    <message>
        <source>核查不通过（返工）…</source>
        <translation>On-site check failed (rework)…</translation>
    </message>
    <message>
        <source>结案</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>返工…</source>
        <translation>Send back (rework)…</translation>
    </message>
    <message>
        <source>回访…</source>
        <translation>Follow-up visit…</translation>
    </message>
    <message>
        <source>督办…</source>
        <translation>Supervision order…</translation>
    </message>
    <message>
        <source>挂账…</source>
        <translation>Suspend…</translation>
    </message>
    <message>
        <source>恢复办理</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>作废…</source>
        <translation>Void…</translation>
    </message>
    <message>
        <source>申请延期…</source>
        <translation>Request extension…</translation>
    </message>
    <message>
        <source>批准延期</source>
        <translation>Approve extension</translation>
    </message>
    <message>
        <source>驳回延期…</source>
        <translation>Reject extension…</translation>
    </message>
    <message>
        <source>工作时</source>
        <translation>working hours</translation>
    </message>
    <message>
        <source>工作日</source>
        <translation>working days</translation>
    </message>
    <message>
        <source>满意</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <source>基本满意</source>
        <translation>Fairly satisfied</translation>
    </message>
    <message>
        <source>不满意（返工）</source>
        <translation>Dissatisfied (rework)</translation>
    </message>
    <message>
        <source>未联系上</source>
        <translation>Not reached</translation>
    </message>
    <message>
        <source>回访</source>
        <translation>Follow-up visit</translation>
    </message>
    <message>
        <source>方式</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>申请延期</source>
        <translation>Request an extension</translation>
    </message>
    <message>
        <source>延期时长</source>
        <translation>Extension</translation>
    </message>
    <message>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>原因（必填）</source>
        <translation>Reason (required)</translation>
    </message>
    <message>
        <source>批准延期（{limit}）</source>
        <translation>Approve extension ({limit})</translation>
    </message>
    <message>
        <source>未填写原因，未发送</source>
        <translation>No reason given: nothing sent</translation>
    </message>
    <message>
        <source>正在办理…</source>
        <translation>Sending…</translation>
    </message>
    <message>
        <source>{step}失败：{e}</source>
        <translation>{step} failed: {e}</translation>
    </message>
    <message>
        <source>案件 {id}：{step}</source>
        <translation>Case {id}: {step}</translation>
    </message>
    <message>
        <source>回访失败：{e}</source>
        <translation>Follow-up visit failed: {e}</translation>
    </message>
    <message>
        <source>案件 {id} 已回访：{result}</source>
        <translation>Case {id} visited: {result}</translation>
    </message>
    <message>
        <source>婺城区综合行政执法指挥平台</source>
        <translation>Wucheng Law Enforcement Command Center</translation>
    </message>
    <message>
        <source>值班台</source>
        <translation>Duty desk</translation>
    </message>
    <message>
        <source>查找：案件编号、地址或警员姓名（Ctrl+F）</source>
        <translation>Find: case number, address or officer name (Ctrl+F)</translation>
    </message>
    <message>
        <source>1-3-15 案件队列</source>
        <translation>1-3-15 case queue</translation>
    </message>
    <message>
        <source>地图未加载</source>
        <translation>Map not loaded</translation>
    </message>
    <message>
        <source>态势一张图</source>
        <translation>Situation map</translation>
    </message>
    <message>
        <source>案件详情与派遣</source>
        <translation>Case and dispatch</translation>
    </message>
    <message>
        <source>案件时间线</source>
        <translation>Case timeline</translation>
    </message>
    <message>
        <source>视图</source>
        <translation>View</translation>
    </message>
    <message>
        <source>恢复默认布局</source>
        <translation>Reset layout</translation>
    </message>
    <message>
        <source>新案件提示音</source>
        <translation>New-case chime</translation>
    </message>
    <message>
        <source>帮助</source>
        <translation>Help</translation>
    </message>
    <message>
        <source>没有找到“{q}”</source>
        <translation>Nothing found for “{q}”</translation>
    </message>
    <message>
        <source>队列中没有待派遣的案件</source>
        <translation>No case in the queue is waiting for officers</translation>
    </message>
</context>
<context>
    <name>desk_keys</name>
    <message>
        <source>回到案件队列（↑↓ 选择案件）</source>
        <translation>Back to the case queue (↑↓ to choose a case)</translation>
    </message>
    <message>
        <source>上一个案件</source>
        <translation>Previous case</translation>
    </message>
    <message>
        <source>下一个案件</source>
        <translation>Next case</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>派遣所选警员</source>
        <translation>Dispatch the chosen officers</translation>
    </message>
    <message>
        <source>办理：核实、核查、结案、返工、督办、挂账、作废、回访</source>
        <translation>Steps: verify, check, close, rework, supervise, suspend, void, visit</translation>
    </message>
    <message>
        <source>下一个紧急案件</source>
        <translation>Next urgent case</translation>
    </message>
    <message>
        <source>查找：案件编号、地址或警员姓名</source>
        <translation>Find a case number, address or officer name</translation>
    </message>
    <message>
        <source>推送到大屏</source>
        <translation>Push to wall</translation>
    </message>
    <message>
        <source>显示或隐藏快捷键帮助</source>
        <translation>Show or hide this shortcut help</translation>
    </message>
    <message>
        <source>关闭帮助</source>
        <translation>Close help</translation>
    </message>
    <message>
        <source>快捷键</source>
        <translation>Keyboard shortcuts</translation>
    </message>
</context>
<context>
    <name>drilldown</name>
    <message>
        <source>{name}（{code}）</source>
        <translation>{name} ({code})</translation>
    </message>
    <message>
        <source>建议：{tier}</source>
        <translation>Suggested: {tier}</translation>
    </message>
    <message>
        <source>建议：{tier}（首违不罚）</source>
        <translation>Suggested: {tier} (first offence, no penalty)</translation>
    </message>
    <message>
        <source>幅度：{low}–{high} 元</source>
        <translation>Range: ¥{low}–{high}</translation>
    </message>
    <message>
        <source>幅度：不罚款</source>
        <translation>Range: no fine</translation>
    </message>
    <message>
        <source>（示例裁量基准，请以本单位公布的基准为准）</source>
        <translation>(sample benchmark: use your bureau's published one)</translation>
    </message>
    <message>
        <source>{tier}，罚款 {amount} 元（{actor}）</source>
        <translation>{tier}, fine ¥{amount} ({actor})</translation>
    </message>
    <message>
        <source>{tier}（首违不罚），罚款 {amount} 元（{actor}）</source>
        <translation>{tier} (first offence), fine ¥{amount} ({actor})</translation>
    </message>
    <message>
        <source>{tier}，不罚款（{actor}）</source>
        <translation>{tier}, no fine ({actor})</translation>
    </message>
    <message>
        <source>{tier}（首违不罚），不罚款（{actor}）</source>
        <translation>{tier} (first offence, not penalised), no fine ({actor})</translation>
    </message>
    <message>
        <source>· 理由：{text}</source>
        <translation>· Reason: {text}</translation>
    </message>
    <message>
        <source>· 与建议（{tier}）不同</source>
        <translation>· Differs from the suggestion ({tier})</translation>
    </message>
    <message>
        <source>回放 {unit} 在此刻的轨迹</source>
        <translation>Replay {unit}'s track at this moment</translation>
    </message>
    <message>
        <source>文书 {n}</source>
        <translation>Records {n}</translation>
    </message>
    <message>
        <source>裁量</source>
        <translation>Discretion</translation>
    </message>
    <message>
        <source>文书类型</source>
        <translation>Record type</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>签名状态</source>
        <translation>Signature</translation>
    </message>
    <message>
        <source>版本</source>
        <translation>Versions</translation>
    </message>
    <message>
        <source>执法人员（证号）</source>
        <translation>Officers (certificate)</translation>
    </message>
    <message>
        <source>执法记录仪</source>
        <translation>Body camera</translation>
    </message>
    <message>
        <source>⚠ 无视频</source>
        <translation>⚠ No footage</translation>
    </message>
    <message>
        <source>{n} 段</source>
        <translation>{n} clip(s)</translation>
    </message>
    <message>
        <source>{n}（更正第 {v} 版）</source>
        <translation>{n} (corrects version {v})</translation>
    </message>
    <message>
        <source>暂无文书</source>
        <translation>No records yet</translation>
    </message>
    <message>
        <source>文书暂不可用：{message}</source>
        <translation>Records unavailable: {message}</translation>
    </message>
    <message>
        <source>裁量建议（仅供参考）</source>
        <translation>Suggested penalty tier (advice only)</translation>
    </message>
    <message>
        <source>处罚决定</source>
        <translation>Decision</translation>
    </message>
    <message>
        <source>尚未决定</source>
        <translation>Not decided yet</translation>
    </message>
    <message>
        <source>裁量建议暂不可用：{message}</source>
        <translation>Discretion advice unavailable: {message}</translation>
    </message>
    <message>
        <source>停留</source>
        <translation>Stops</translation>
    </message>
    <message>
        <source>开始</source>
        <translation>From</translation>
    </message>
    <message>
        <source>时长</source>
        <translation>Length</translation>
    </message>
    <message>
        <source>位置</source>
        <translation>Position</translation>
    </message>
    <message>
        <source>{m} 分钟</source>
        <translation>{m} min</translation>
    </message>
    <message>
        <source>分钟</source>
        <translation>minutes</translation>
    </message>
    <message>
        <source>案件详情</source>
        <translation>Case</translation>
    </message>
    <message>
        <source>正在加载案件 {case}…</source>
        <translation>Loading case {case}…</translation>
    </message>
    <message>
        <source>加载失败：{message}</source>
        <translation>Loading failed: {message}</translation>
    </message>
    <message>
        <source>缓存数据 · {m} 分钟前</source>
        <translation>Cached data · {m} min ago</translation>
    </message>
    <message>
        <source>案件编号</source>
        <translation>Case no.</translation>
    </message>
    <message>
        <source>案件类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>地点</source>
        <translation>Place</translation>
    </message>
    <message>
        <source>案情</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>报案人</source>
        <translation>Reporter</translation>
    </message>
    <message>
        <source>未登记</source>
        <translation>Not recorded</translation>
    </message>
    <message>
        <source>涉事商户</source>
        <translation>Merchant</translation>
    </message>
    <message>
        <source>整改期限</source>
        <translation>Rectification deadline</translation>
    </message>
    <message>
        <source>处置时限</source>
        <translation>Deadline</translation>
    </message>
    <message>
        <source>{date} · 剩余 {span}</source>
        <translation>{date} · {span} left</translation>
    </message>
    <message>
        <source>{date} · 已逾期 {span}</source>
        <translation>{date} · overdue by {span}</translation>
    </message>
    <message>
        <source>{n} 天</source>
        <translation>{n} d</translation>
    </message>
    <message>
        <source>{n} 小时</source>
        <translation>{n} h</translation>
    </message>
    <message>
        <source>1-3-15 时限</source>
        <translation>1-3-15 deadlines</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>环节</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>经办人</source>
        <translation>By</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>{stage} 达标 · 提前 {s} 秒</source>
        <translation>{stage} met · {s} s early</translation>
    </message>
    <message>
        <source>{stage} 超时 {s} 秒</source>
        <translation>{stage} missed by {s} s</translation>
    </message>
    <message>
        <source>{stage} 计时中 · 剩余 {s} 秒</source>
        <translation>{stage} running · {s} s left</translation>
    </message>
    <message>
        <source>{stage} 已超时 {s} 秒（未完成）</source>
        <translation>{stage} overdue by {s} s (open)</translation>
    </message>
    <message>
        <source>上报时间</source>
        <translation>Reported at</translation>
    </message>
    <message>
        <source>婺城区综合行政执法 · 案件详情 {case}</source>
        <translation>Wucheng Law Enforcement · Case {case}</translation>
    </message>
    <message>
        <source>文书（电子笔录）</source>
        <translation>Records</translation>
    </message>
    <message>
        <source>导出 PDF</source>
        <translation>Export PDF</translation>
    </message>
    <message>
        <source>已导出到 {path}</source>
        <translation>Exported to {path}</translation>
    </message>
    <message>
        <source>导出时间 {t}</source>
        <translation>Exported {t}</translation>
    </message>
    <message>
        <source>推送到大屏</source>
        <translation>Push to wall</translation>
    </message>
    <message>
        <source>加载更多</source>
        <translation>Load more</translation>
    </message>
    <message>
        <source>已显示 {shown} / 共 {total} 条</source>
        <translation>Showing {shown} of {total}</translation>
    </message>
    <message>
        <source>办理经过</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <source>现场照片</source>
        <translation>Photos</translation>
    </message>
    <message>
        <source>图片无法显示</source>
        <translation>Photo cannot be shown</translation>
    </message>
    <message>
        <source>照片链接：{url}</source>
        <translation>Photo link: {url}</translation>
    </message>
    <message>
        <source>关联案件</source>
        <translation>Related cases</translation>
    </message>
    <message>
        <source>关联案件暂不可用：{message}</source>
        <translation>Related cases unavailable: {message}</translation>
    </message>
    <message>
        <source>同一商户 {n}</source>
        <translation>Merchant ({n})</translation>
    </message>
    <message>
        <source>100 米内 {n}</source>
        <translation>≤ 100 m ({n})</translation>
    </message>
    <message>
        <source>同类 30 天 {n}</source>
        <translation>Category, 30 d ({n})</translation>
    </message>
    <message>
        <source>距离</source>
        <translation>Distance</translation>
    </message>
    <message>
        <source>同一商户 {a} 件 · 100 米内 {b} 件 · 同类 30 天 {c} 件</source>
        <translation>Same merchant {a} · within 100 m {b} · same category, 30 days {c}</translation>
    </message>
    <message>
        <source>警员 {unit}</source>
        <translation>Officer {unit}</translation>
    </message>
    <message>
        <source>复查合格</source>
        <translation>Follow-up passed</translation>
    </message>
    <message>
        <source>复查不合格</source>
        <translation>Follow-up failed</translation>
    </message>
    <message>
        <source>第 {version} 版</source>
        <translation>version {version}</translation>
    </message>
    <message>
        <source>罚款 {amount} 元</source>
        <translation>fine ¥{amount}</translation>
    </message>
    <message>
        <source>并入案件 {id}</source>
        <translation>into case {id}</translation>
    </message>
    <message>
        <source>案件 {id} 并入本案，共 ×{n}</source>
        <translation>case {id} merged into this one, ×{n} in all</translation>
    </message>
    <message>
        <source>并入案件</source>
        <translation>Merged into case</translation>
    </message>
    <message>
        <source>合并的重复报告 · {n} 件</source>
        <translation>Merged duplicate reports · {n}</translation>
    </message>
    <message>
        <source>上报人</source>
        <translation>Reporter</translation>
    </message>
    <message>
        <source>回访</source>
        <translation>Follow-up visit</translation>
    </message>
    <message>
        <source>未回访</source>
        <translation>Not yet visited</translation>
    </message>
    <message>
        <source>{result} · {t}</source>
        <translation>{result} · {t}</translation>
    </message>
    <message>
        <source>已并入 {id}，不再计时</source>
        <translation>Merged into {id}: clocks stopped</translation>
    </message>
    <message>
        <source>上报</source>
        <translation>Reported</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>派遣</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <source>出发</source>
        <translation>Move</translation>
    </message>
    <message>
        <source>到场</source>
        <translation>Arrived</translation>
    </message>
    <message>
        <source>处置</source>
        <translation>Handle</translation>
    </message>
    <message>
        <source>复查</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>结案</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>超时</source>
        <translation>Missed</translation>
    </message>
    <message>
        <source>超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>延期申请</source>
        <translation>Extension asked</translation>
    </message>
    <message>
        <source>延期批准</source>
        <translation>Extension approved</translation>
    </message>
    <message>
        <source>延期驳回</source>
        <translation>Extension rejected</translation>
    </message>
    <message>
        <source>笔录</source>
        <translation>Record</translation>
    </message>
    <message>
        <source>并案</source>
        <translation>Merged</translation>
    </message>
    <message>
        <source>重复件并入</source>
        <translation>Duplicate merged in</translation>
    </message>
    <message>
        <source>核实</source>
        <translation>Verified</translation>
    </message>
    <message>
        <source>核查</source>
        <translation>On-site check</translation>
    </message>
    <message>
        <source>返工</source>
        <translation>Rework</translation>
    </message>
    <message>
        <source>督办</source>
        <translation>Supervision order</translation>
    </message>
    <message>
        <source>作废</source>
        <translation>Voided</translation>
    </message>
    <message>
        <source>挂账</source>
        <translation>Suspended</translation>
    </message>
    <message>
        <source>恢复办理</source>
        <translation>Resumed</translation>
    </message>
    <message>
        <source>属实</source>
        <translation>confirmed</translation>
    </message>
    <message>
        <source>不属实</source>
        <translation>false report</translation>
    </message>
    <message>
        <source>核查通过</source>
        <translation>check passed</translation>
    </message>
    <message>
        <source>核查不通过</source>
        <translation>check failed</translation>
    </message>
    <message>
        <source>满意</source>
        <translation>satisfied</translation>
    </message>
    <message>
        <source>基本满意</source>
        <translation>fairly satisfied</translation>
    </message>
    <message>
        <source>不满意</source>
        <translation>dissatisfied</translation>
    </message>
    <message>
        <source>未联系上</source>
        <translation>not reached</translation>
    </message>
    <message>
        <source>电话</source>
        <translation>by phone</translation>
    </message>
    <message>
        <source>短信</source>
        <translation>by SMS</translation>
    </message>
    <message>
        <source>上门</source>
        <translation>on site</translation>
    </message>
    <message>
        <source>回访不满意</source>
        <translation>dissatisfied at follow-up</translation>
    </message>
    <message>
        <source>指挥中心退回</source>
        <translation>sent back by the centre</translation>
    </message>
    <message>
        <source>询问笔录</source>
        <translation>Inquiry record</translation>
    </message>
    <message>
        <source>现场检查笔录</source>
        <translation>Inspection record</translation>
    </message>
    <message>
        <source>勘验笔录</source>
        <translation>Survey record</translation>
    </message>
    <message>
        <source>草稿</source>
        <translation>draft</translation>
    </message>
    <message>
        <source>待签名</source>
        <translation>awaiting signature</translation>
    </message>
    <message>
        <source>已签名</source>
        <translation>signed</translation>
    </message>
    <message>
        <source>拒绝签名</source>
        <translation>signature refused</translation>
    </message>
    <message>
        <source>不予处罚</source>
        <translation>no penalty</translation>
    </message>
    <message>
        <source>轻微</source>
        <translation>minor</translation>
    </message>
    <message>
        <source>一般</source>
        <translation>general</translation>
    </message>
    <message>
        <source>较重</source>
        <translation>serious</translation>
    </message>
    <message>
        <source>严重</source>
        <translation>severe</translation>
    </message>
    <message>
        <source>商户详情</source>
        <translation>Merchant</translation>
    </message>
    <message>
        <source>正在加载商户 {merchant}…</source>
        <translation>Loading merchant {merchant}…</translation>
    </message>
    <message>
        <source>商户名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>统一社会信用代码</source>
        <translation>Unified social credit code</translation>
    </message>
    <message>
        <source>经营地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>经营类别</source>
        <translation>Business category</translation>
    </message>
    <message>
        <source>风险等级</source>
        <translation>Risk level</translation>
    </message>
    <message>
        <source>各类案件数</source>
        <translation>Cases per category</translation>
    </message>
    <message>
        <source>件数</source>
        <translation>Cases</translation>
    </message>
    <message>
        <source>案件记录（新→旧）</source>
        <translation>Cases (newest first)</translation>
    </message>
    <message>
        <source>案件记录（新→旧）· 共 {n} 件</source>
        <translation>Cases (newest first) · {n} in all</translation>
    </message>
    <message>
        <source>联合检查记录</source>
        <translation>Joint inspections</translation>
    </message>
    <message>
        <source>联合检查记录 · {n} 次</source>
        <translation>Joint inspections · {n}</translation>
    </message>
    <message>
        <source>检查时间</source>
        <translation>Inspected at</translation>
    </message>
    <message>
        <source>检查部门</source>
        <translation>Departments</translation>
    </message>
    <message>
        <source>检查事项</source>
        <translation>Items checked</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>参检中队：{teams}
参检人员：{officers}</source>
        <translation>Teams: {teams}
Officers: {officers}</translation>
    </message>
    <message>
        <source>一户一码：在执法台扫码即可打开本商户档案</source>
        <translation>One merchant, one code: scan it at a desk to open this merchant's file</translation>
    </message>
    <message>
        <source>合格</source>
        <translation>Passed</translation>
    </message>
    <message>
        <source>限期整改</source>
        <translation>Rectify by deadline</translation>
    </message>
    <message>
        <source>不合格</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>低风险</source>
        <translation>Low risk</translation>
    </message>
    <message>
        <source>中风险</source>
        <translation>Medium risk</translation>
    </message>
    <message>
        <source>高风险</source>
        <translation>High risk</translation>
    </message>
    <message>
        <source>警员详情</source>
        <translation>Officer</translation>
    </message>
    <message>
        <source>车辆详情</source>
        <translation>Vehicle</translation>
    </message>
    <message>
        <source>正在加载警员 {unit} 的轨迹…</source>
        <translation>Loading the track of officer {unit}…</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>车牌</source>
        <translation>Plate</translation>
    </message>
    <message>
        <source>车辆</source>
        <translation>Vehicle</translation>
    </message>
    <message>
        <source>中队</source>
        <translation>Team</translation>
    </message>
    <message>
        <source>回放时段</source>
        <translation>Replay window</translation>
    </message>
    <message>
        <source>播放</source>
        <translation>Play</translation>
    </message>
    <message>
        <source>暂停</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>倍速</source>
        <translation>Speed</translation>
    </message>
    <message>
        <source>该时段无轨迹</source>
        <translation>No track in this window</translation>
    </message>
    <message>
        <source>时段内案件</source>
        <translation>Cases in the window</translation>
    </message>
    <message>
        <source>{t} · {lat:.5f}, {lon:.5f}</source>
        <translation>{t} · {lat:.5f}, {lon:.5f}</translation>
    </message>
</context>
<context>
    <name>duplicates</name>
    <message>
        <source>疑似重复 {n} 件</source>
        <translation>{n} possible duplicates</translation>
    </message>
    <message>
        <source>未发现疑似重复案件</source>
        <translation>No possible duplicates found</translation>
    </message>
    <message>
        <source>案件</source>
        <translation>Case</translation>
    </message>
    <message>
        <source>距离</source>
        <translation>Distance</translation>
    </message>
    <message>
        <source>依据</source>
        <translation>Why</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>合并</source>
        <translation>Merge</translation>
    </message>
    <message>
        <source>把当前案件并入所选案件（不会自动合并）</source>
        <translation>Merge the current case into the chosen one (never done automatically)</translation>
    </message>
    <message>
        <source>已并入本案：{ids}</source>
        <translation>Merged into this case: {ids}</translation>
    </message>
    <message>
        <source>本案已并入案件 {id}</source>
        <translation>This case was merged into case {id}</translation>
    </message>
    <message>
        <source>{m} 米</source>
        <translation>{m} m</translation>
    </message>
    <message>
        <source>（经 {id}）</source>
        <translation> (via {id})</translation>
    </message>
    <message>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <source>相距近</source>
        <translation>Close by</translation>
    </message>
    <message>
        <source>同一商户</source>
        <translation>Same merchant</translation>
    </message>
    <message>
        <source>同一地址</source>
        <translation>Same address</translation>
    </message>
</context>
<context>
    <name>events</name>
    <message>
        <source>【{source}】{category} · {place}</source>
        <translation>[{source}] {category} · {place}</translation>
    </message>
    <message>
        <source>【超时】案件 {case_id}（{category} · {place}）超时未{stage}，时限 {limit}</source>
        <translation>[Overdue] Case {case_id} ({category} · {place}) not {stage} within {limit}</translation>
    </message>
    <message>
        <source>【超时】案件 {case_id}（{category} · {place}）超时{stage}，时限 {limit}</source>
        <translation>[Overdue] Case {case_id} ({category} · {place}) {stage} late, limit {limit}</translation>
    </message>
    <message>
        <source>【并案】案件 {case_id} 并入案件 {parent_id}（{category} · {place}）×{count}</source>
        <translation>[Merged] Case {case_id} merged into case {parent_id} ({category} · {place}) ×{count}</translation>
    </message>
    <message>
        <source>【超期】案件 {case_id}（{category} · {place}）超过处置时限</source>
        <translation>[Overdue] Case {case_id} ({category} · {place}) is past its deadline</translation>
    </message>
    <message>
        <source>{officer} 紧急求助（SOS，{channel}）</source>
        <translation>{officer} calls for help (SOS, {channel})</translation>
    </message>
    <message>
        <source>{officer} 紧急求助（SOS，终端 {terminal}）</source>
        <translation>{officer} calls for help (SOS, terminal {terminal})</translation>
    </message>
    <message>
        <source>{officer} 设备超过 {minutes} 分钟无定位</source>
        <translation>{officer}: no position from the device for over {minutes} min</translation>
    </message>
    <message>
        <source>{officer} 原地停留超过 {minutes} 分钟</source>
        <translation>{officer} has not moved for over {minutes} min</translation>
    </message>
    <message>
        <source>{officer} 离开责任区</source>
        <translation>{officer} left the assigned zone</translation>
    </message>
    <message>
        <source>案件 {case_id} 超时未{stage}</source>
        <translation>Case {case_id} not {stage} in time</translation>
    </message>
    <message>
        <source>案件 {case_id} 整改逾期未复查</source>
        <translation>Case {case_id}: rectification overdue, no follow-up yet</translation>
    </message>
    <message>
        <source>【督办】案件 {case_id}（{category} · {place}）：{note}</source>
        <translation>[Supervision] Case {case_id} ({category} · {place}): {note}</translation>
    </message>
    <message>
        <source>案件 {case_id} 督办：{note}</source>
        <translation>Case {case_id} under supervision: {note}</translation>
    </message>
    <message>
        <source>商户 {merchant} {days:g} 天内被投诉 {count} 次</source>
        <translation>Merchant {merchant}: {count} complaints in {days:g} days</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>accepted</translation>
    </message>
    <message>
        <source>出动</source>
        <translation>en route</translation>
    </message>
    <message>
        <source>处置</source>
        <translation>handled</translation>
    </message>
    <message>
        <source>1分钟</source>
        <translation>1 min</translation>
    </message>
    <message>
        <source>3分钟</source>
        <translation>3 min</translation>
    </message>
    <message>
        <source>15分钟</source>
        <translation>15 min</translation>
    </message>
</context>
<context>
    <name>header</name>
    <message>
        <source>实时</source>
        <translation>LIVE</translation>
    </message>
    <message>
        <source>过期</source>
        <translation>STALE</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>OFFLINE</translation>
    </message>
    <message>
        <source>连接中</source>
        <translation>CONNECTING</translation>
    </message>
    <message>
        <source>婺城区综合行政执法指挥平台</source>
        <translation>Wucheng Law Enforcement Command Center</translation>
    </message>
    <message>
        <source>案件 1-3-15</source>
        <translation>Cases 1-3-15</translation>
    </message>
    <message>
        <source>态势一张图</source>
        <translation>Situation map</translation>
    </message>
    <message>
        <source>效能监督</source>
        <translation>Supervision</translation>
    </message>
    <message>
        <source>驾驶舱</source>
        <translation>Cockpit</translation>
    </message>
    <message>
        <source>值班台</source>
        <translation>Duty desk</translation>
    </message>
    <message>
        <source>在岗警力 {units}　在办案件 {cases}</source>
        <translation>On duty {units}　Open cases {cases}</translation>
    </message>
</context>
<context>
    <name>kpi</name>
    <message>
        <source>待命</source>
        <translation>Available</translation>
    </message>
    <message>
        <source>出警途中</source>
        <translation>En route</translation>
    </message>
    <message>
        <source>现场处置</source>
        <translation>On scene</translation>
    </message>
    <message>
        <source>忙碌</source>
        <translation>Busy</translation>
    </message>
    <message>
        <source>下班</source>
        <translation>Off duty</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>OFFLINE</translation>
    </message>
    <message>
        <source>1分钟受理</source>
        <translation>Accept 1 min</translation>
    </message>
    <message>
        <source>3分钟出发</source>
        <translation>Move 3 min</translation>
    </message>
    <message>
        <source>15分钟处置</source>
        <translation>Handle 15 min</translation>
    </message>
    <message>
        <source>&lt;1分</source>
        <translation>&lt;1 min</translation>
    </message>
    <message>
        <source>1-2分</source>
        <translation>1-2 min</translation>
    </message>
    <message>
        <source>2-3分</source>
        <translation>2-3 min</translation>
    </message>
    <message>
        <source>3-5分</source>
        <translation>3-5 min</translation>
    </message>
    <message>
        <source>5-10分</source>
        <translation>5-10 min</translation>
    </message>
    <message>
        <source>&gt;10分</source>
        <translation>&gt;10 min</translation>
    </message>
    <message>
        <source>每小时案件数（按来源）</source>
        <translation>Cases per hour by source</translation>
    </message>
    <message>
        <source>今日 1-3-15 达标率</source>
        <translation>1-3-15 compliance today</translation>
    </message>
    <message>
        <source>警力状态</source>
        <translation>Officers by status</translation>
    </message>
    <message>
        <source>响应时间分布（报案至出发）</source>
        <translation>Response time (report to moving)</translation>
    </message>
    <message>
        <source>今日暂无已判定案件</source>
        <translation>No case decided yet today</translation>
    </message>
</context>
<context>
    <name>minimap</name>
    <message>
        <source>{n} 米</source>
        <translation>{n} m</translation>
    </message>
    <message>
        <source>{n} 公里</source>
        <translation>{n} km</translation>
    </message>
    <message>
        <source>无位置信息</source>
        <translation>No location</translation>
    </message>
</context>
<context>
    <name>panel</name>
    <message>
        <source>面板“{kind}”加载失败，{s} 秒后重试</source>
        <translation>Panel '{kind}' failed to start; retrying in {s} s</translation>
    </message>
</context>
<context>
    <name>panels</name>
    <message>
        <source>1-3-15 案件队列</source>
        <translation>1-3-15 case queue</translation>
    </message>
    <message>
        <source>效能指标</source>
        <translation>Performance</translation>
    </message>
    <message>
        <source>督办告警</source>
        <translation>Supervision alerts</translation>
    </message>
    <message>
        <source>案件趋势</source>
        <translation>Case trend</translation>
    </message>
    <message>
        <source>案件来源</source>
        <translation>Case sources</translation>
    </message>
    <message>
        <source>案件类别</source>
        <translation>Case categories</translation>
    </message>
    <message>
        <source>结案排名</source>
        <translation>Closure ranking</translation>
    </message>
    <message>
        <source>结案与响应</source>
        <translation>Closure and response</translation>
    </message>
</context>
<context>
    <name>queue</name>
    <message>
        <source>时限</source>
        <translation>Time left</translation>
    </message>
    <message>
        <source>环节</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>案件类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>地点</source>
        <translation>Place</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>处置时限</source>
        <translation>Deadline</translation>
    </message>
    <message>
        <source>达标</source>
        <translation>Met</translation>
    </message>
    <message>
        <source>超时</source>
        <translation>Missed</translation>
    </message>
    <message>
        <source>超</source>
        <translation>Over</translation>
    </message>
    <message>
        <source>暂无待处置案件</source>
        <translation>No open cases</translation>
    </message>
</context>
<context>
    <name>situation</name>
    <message>
        <source>1-3-15 达标</source>
        <translation>1-3-15 met</translation>
    </message>
    <message>
        <source>1-3-15 超时</source>
        <translation>1-3-15 missed</translation>
    </message>
    <message>
        <source>{stage}已超时 {t}</source>
        <translation>{stage} overdue by {t}</translation>
    </message>
    <message>
        <source>{stage}剩余 {t}</source>
        <translation>{stage}: {t} left</translation>
    </message>
    <message>
        <source>未派遣</source>
        <translation>none dispatched</translation>
    </message>
    <message>
        <source>状态：{s}</source>
        <translation>Status: {s}</translation>
    </message>
    <message>
        <source>处置警员：{names}</source>
        <translation>Officers: {names}</translation>
    </message>
    <message>
        <source>案件</source>
        <translation>case</translation>
    </message>
    <message>
        <source>商户</source>
        <translation>merchant</translation>
    </message>
    <message>
        <source>警员</source>
        <translation>officer</translation>
    </message>
    <message>
        <source>推送{kind} · {id} · {by}</source>
        <translation>Pushed {kind} · {id} · by {by}</translation>
    </message>
    <message>
        <source>推送案件</source>
        <translation>Pushed case</translation>
    </message>
    <message>
        <source>最紧急案件</source>
        <translation>Most urgent case</translation>
    </message>
    <message>
        <source>态势研判</source>
        <translation>Situation</translation>
    </message>
    <message>
        <source>当前无待处置案件</source>
        <translation>No open cases</translation>
    </message>
</context>
<context>
    <name>speech</name>
    <message>
        <source>，</source>
        <translation>, </translation>
    </message>
    <message>
        <source>{source}上报</source>
        <translation>New case: {source}</translation>
    </message>
    <message>
        <source>案件超时未{stage}</source>
        <translation>Case not {stage} in time</translation>
    </message>
    <message>
        <source>紧急求助，{officer}</source>
        <translation>Emergency, S O S, {officer}</translation>
    </message>
    <message>
        <source>。</source>
        <translation>. </translation>
    </message>
    <message>
        <source>新增案件{count}起</source>
        <translation>{count} new cases</translation>
    </message>
    <message>
        <source>{count}起案件超时</source>
        <translation>{count} cases overdue</translation>
    </message>
</context>
<context>
    <name>ticker</name>
    <message>
        <source>【案件播报】等待新案件…</source>
        <translation>Waiting for new cases…</translation>
    </message>
    <message>
        <source>案件播报</source>
        <translation>Cases</translation>
    </message>
    <message>
        <source>急</source>
        <translation>URGENT</translation>
    </message>
</context>
<context>
    <name>vocabulary</name>
    <message>
        <source>8890热线</source>
        <translation>8890 hotline</translation>
    </message>
    <message>
        <source>随手拍</source>
        <translation>Photo report</translation>
    </message>
    <message>
        <source>网格上报</source>
        <translation>Grid report</translation>
    </message>
    <message>
        <source>巡查发现</source>
        <translation>Patrol</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>出发</source>
        <translation>Move</translation>
    </message>
    <message>
        <source>处置</source>
        <translation>Handle</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>待受理</source>
        <translation>Reported</translation>
    </message>
    <message>
        <source>已核实</source>
        <translation>Verified</translation>
    </message>
    <message>
        <source>已受理</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <source>已派遣</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <source>已到场</source>
        <translation>On scene</translation>
    </message>
    <message>
        <source>已处置</source>
        <translation>Handled</translation>
    </message>
    <message>
        <source>整改中</source>
        <translation>Rectifying</translation>
    </message>
    <message>
        <source>待复查</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>核查通过</source>
        <translation>Checked</translation>
    </message>
    <message>
        <source>已结案</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>已挂账</source>
        <translation>Suspended</translation>
    </message>
    <message>
        <source>已作废</source>
        <translation>Voided</translation>
    </message>
    <message>
        <source>占道经营</source>
        <translation>Street vending</translation>
    </message>
    <message>
        <source>出店经营</source>
        <translation>Trading outside the shop</translation>
    </message>
    <message>
        <source>油烟扰民</source>
        <translation>Cooking fumes</translation>
    </message>
    <message>
        <source>露天烧烤</source>
        <translation>Open-air barbecue</translation>
    </message>
    <message>
        <source>噪声扰民</source>
        <translation>Noise</translation>
    </message>
    <message>
        <source>违规广告</source>
        <translation>Illegal advertising</translation>
    </message>
    <message>
        <source>建筑垃圾</source>
        <translation>Construction waste</translation>
    </message>
    <message>
        <source>违章停车</source>
        <translation>Illegal parking</translation>
    </message>
    <message>
        <source>乱堆物料</source>
        <translation>Materials piled in public</translation>
    </message>
    <message>
        <source>违法建设</source>
        <translation>Illegal construction</translation>
    </message>
    <message>
        <source>渣土撒漏</source>
        <translation>Spilled muck</translation>
    </message>
    <message>
        <source>污水直排</source>
        <translation>Sewage discharge</translation>
    </message>
    <message>
        <source>无照经营</source>
        <translation>Unlicensed business</translation>
    </message>
    <message>
        <source>食品安全</source>
        <translation>Food safety</translation>
    </message>
    <message>
        <source>公共场所卫生</source>
        <translation>Public hygiene</translation>
    </message>
    <message>
        <source>消防通道占用</source>
        <translation>Blocked fire lane</translation>
    </message>
    <message>
        <source>私搭乱建</source>
        <translation>Illegal structure</translation>
    </message>
    <message>
        <source>沿街晾挂</source>
        <translation>Laundry hung on the street</translation>
    </message>
    <message>
        <source>暴露垃圾</source>
        <translation>Exposed rubbish</translation>
    </message>
    <message>
        <source>积存垃圾渣土</source>
        <translation>Piled-up rubbish and muck</translation>
    </message>
    <message>
        <source>道路不洁</source>
        <translation>Dirty road</translation>
    </message>
    <message>
        <source>道路遗撒</source>
        <translation>Spillage on the road</translation>
    </message>
    <message>
        <source>油烟污染</source>
        <translation>Cooking-fume pollution</translation>
    </message>
    <message>
        <source>非法小广告</source>
        <translation>Illegal flyers</translation>
    </message>
    <message>
        <source>违规户外广告</source>
        <translation>Illegal outdoor advertising</translation>
    </message>
    <message>
        <source>施工扰民</source>
        <translation>Construction noise</translation>
    </message>
    <message>
        <source>渣土车未密闭</source>
        <translation>Uncovered muck truck</translation>
    </message>
    <message>
        <source>无照经营游商</source>
        <translation>Unlicensed street hawker</translation>
    </message>
    <message>
        <source>店外经营</source>
        <translation>Trading outside the shop</translation>
    </message>
    <message>
        <source>机动车乱停放</source>
        <translation>Illegal parking</translation>
    </message>
    <message>
        <source>非机动车乱停放</source>
        <translation>Illegal bicycle parking</translation>
    </message>
    <message>
        <source>市容环境</source>
        <translation>City appearance</translation>
    </message>
    <message>
        <source>宣传广告</source>
        <translation>Advertising</translation>
    </message>
    <message>
        <source>施工管理</source>
        <translation>Construction</translation>
    </message>
    <message>
        <source>街面秩序</source>
        <translation>Street order</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
</context>
<context>
    <name>watchfloor</name>
</context>
</TS>
