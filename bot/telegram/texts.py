"""What the Telegram adapter itself says (commands, buttons, unsupported messages).

Texts shared with the web chat (busy, too long, photo problems) are in `bot.texts`.
"""

from __future__ import annotations

# setMyCommands: command -> description (Telegram allows 1-256 characters).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "开始使用并选择所在社区"),
    ("report", "反映问题"),
    ("status", "查询办理进度（可附案件编号）"),
    ("tips", "垃圾分类提示：开启/关闭/时间"),
    ("campaigns", "社区活动"),
    ("help", "使用帮助"),
    ("privacy", "隐私说明与删除个人信息"),
    ("delete_me", "删除我的个人信息"),
)

ABOUT = (
    "我是城管的“城市管家”小助手，可以帮您：\n"
    "• 反映身边的城市管理问题，比如占道经营、乱停车、暴露垃圾、井盖缺失、路灯不亮、噪声扰民，"
    "用文字描述一下，再发现场照片和位置就可以；\n"
    "• 查询办理进度：发送“查进度”，或 /status 加案件编号；\n"
    "• 解答垃圾分类问题，比如“电池是什么垃圾”；\n"
    "• 订阅每天的垃圾分类提示（/tips），了解社区活动（/campaigns）。"
)
WELCOME = "您好，欢迎使用城市管家！" + ABOUT
CHOOSE_COMMUNITY = "请选择您所在的社区，方便我们把社区的活动和通知发给您（也可以暂不选择）："
CHOOSE_COMMUNITY_IN = "请选择您所在的社区（{district}）："
COMMUNITIES_UNAVAILABLE = "社区列表暂时无法获取，您可以稍后再发送 /start 选择所在社区。"
NO_COMMUNITY_BUTTON = "暂不选择"
BACK_BUTTON = "« 返回"
COMMUNITY_SAVED = "已记下您所在的社区：{community}。有问题随时直接发消息给我。"
COMMUNITY_SKIPPED = "好的，以后需要时发送 /start 就可以选择社区。有问题随时直接发消息给我。"
SAVE_FAILED = "暂时无法保存，请稍后再试一次。"

HELP = (
    ABOUT + "\n\n常用命令：\n"
    "/report 反映问题\n"
    "/status 查询办理进度，例如 /status JM20261123-0001\n"
    "/tips 垃圾分类提示：/tips on 开启，/tips off 关闭，/tips 07:30 设置时间\n"
    "/campaigns 社区活动\n"
    "/privacy 隐私说明，/delete_me 删除我的个人信息\n\n"
    "直接用文字说也可以，比如“五邑路有个井盖不见了”。"
)

PRIVACY = (
    "隐私说明：\n"
    "为了受理和答复您反映的问题，我们会保存：\n"
    "• 您的 Telegram 账号编号、对话编号和显示名称，以及您选择的社区和提示设置；\n"
    "• 您反映的问题，包括描述、位置和照片（照片保存前会去掉拍摄时间、设备和定位等附带信息）；\n"
    "• 与小助手的对话记录，用于理解上下文。\n"
    "这些信息只用于办理您反映的问题和向您发送通知，不会对外公开；公开的案件数据不含任何个人信息。\n\n"
    "发送 /delete_me 可以删除您的个人信息和对话记录。已登记的案件会保留办理记录，但不再与您关联。"
)
DELETE_CONFIRM = (
    "确定要删除您的个人信息和对话记录吗？删除后我们将无法再向您发送案件进度和提醒，此操作不能撤销。"
)
DELETE_YES = "确认删除"
DELETE_NO = "取消"
DELETE_CANCELLED = "好的，已取消，您的信息保持不变。"
DELETE_FAILED = "删除暂时没有完成，请稍后再发送 /delete_me 试一次，给您添麻烦了。"

TIPS_ON = "垃圾分类提示：已开启，每天 {time} 发送。"
TIPS_OFF = "垃圾分类提示：未开启。"
TIPS_UNKNOWN = "垃圾分类提示的设置暂时查不到，您也可以直接选择："
TIPS_USAGE = "用法：/tips on 开启，/tips off 关闭，/tips 07:30 设置每天发送的时间。"
TIPS_BAD_TIME = "时间的格式不对，请按“时:分”发送，例如 /tips 07:30。"
TIPS_SAVED_ON = "好的，已开启垃圾分类提示，每天 {time} 发给您。"
TIPS_SAVED_OFF = "好的，已关闭垃圾分类提示。需要时发送 /tips on 就能重新开启。"
TIPS_BUTTON_ON = "开启提示"
TIPS_BUTTON_OFF = "关闭提示"
TIPS_BUTTON_TIME = "每天 {time}"
TIPS_TIMES = ("07:30", "12:00", "19:30")

PRIVATE_ONLY = "为保护您的隐私，请私聊我办理：{link}"
GROUP_HELLO = "大家好，我是城管的“城市管家”小助手。反映问题、查询进度请私聊我：{link}"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 可以查看能用的命令，也可以直接用文字告诉我您的问题。"

CHOSEN = "✅ 您选择了：{title}"
BUTTON_USED = "这个按钮已经用过了，如需更改请直接发消息告诉我。"
BUTTON_EXPIRED = "这个按钮已经失效了，请直接发消息告诉我您的需要。"
CHOOSE = "请选择："

EDITED = "消息修改后我们不会重新读取。如需补充或更正，请直接再发一条新消息。"
PHOTO_DOWNLOAD_FAILED = "照片没有接收成功，请重新发送一次。"
PHOTO_LOCATION = "这张照片里带有拍摄位置。如果这就是问题所在的位置，可以点下面的按钮直接使用。"
PHOTO_LOCATION_BUTTON = "使用照片拍摄位置"

UNSUPPORTED = {
    "voice": "暂时还听不了语音消息。麻烦您用文字描述一下情况，也可以发送现场照片和位置。",
    "audio": "暂时无法处理音频文件。麻烦您用文字描述一下情况，也可以发送现场照片和位置。",
    "video": "暂时无法处理视频。请发送现场照片（可以截一张图）并用文字描述一下情况。",
    "video_note": "暂时无法处理视频消息。请发送现场照片并用文字描述一下情况。",
    "animation": "暂时无法处理动图。请发送现场照片并用文字描述一下情况。",
    "sticker": "收到您的表情啦。如需反映问题，请用文字描述一下情况，也可以发送照片和位置。",
    "contact": "为保护隐私，暂不接收联系人名片。需要留电话的话，直接在对话里告诉我们就可以。",
    "poll": "暂时无法处理投票。请直接用文字告诉我您的问题或建议。",
    "document": "暂时只能接收图片文件（JPG、PNG 或 WebP）。其他文件请改用文字描述，或发送现场照片。",
}
UNSUPPORTED_OTHER = "抱歉，这类消息暂时无法处理。请发送文字、照片或位置，我们会尽快为您处理。"

# The volunteer desk (bot/telegram/desk.py): /volunteer <邀请码>, /volunteer_off (both kept out of
# the command menu: stewards hand out the codes with instructions), desk buttons and notes.
VOLUNTEER_WELCOME = "欢迎加入垃圾分类志愿者！有居民问到系统拿不准的物品时，我会发给您，点一下分类就能回复。"
VOLUNTEER_ALREADY = "您已经是垃圾分类志愿者了。有居民问到系统拿不准的物品时，我会发给您，点一下分类就能回复。"
VOLUNTEER_USAGE = (
    "加入垃圾分类志愿者需要社区工作人员发放的邀请码。"
    "拿到邀请码后，请发送“/volunteer 邀请码”，例如：/volunteer ABCD2345"
)
VOLUNTEER_BAD_CODE = "这个邀请码无法使用，请核对后重新输入，或向社区工作人员索取新的邀请码。"
VOLUNTEER_TRY_LATER = "系统繁忙，暂时无法为您登记志愿者，请稍后再发送一次，给您添麻烦了。"
VOLUNTEER_OFF = (
    "好的，您已退出垃圾分类志愿者，以后不会再收到居民的提问。感谢您的热心帮助！"
    "想再加入时，发送“/volunteer 邀请码”就可以。"
)
VOLUNTEER_OFF_TRY_LATER = "系统繁忙，暂时无法为您退出，请稍后再发送 /volunteer_off 试一次。"

# How long a volunteer's next text counts as a note to their answer (the texts promise it).
NOTE_MINUTES = 10
DESK_THANKS = f"谢谢您！已把答案转告居民。如需补充说明，直接回复一句话就行（{NOTE_MINUTES} 分钟内有效）。"
DESK_ANSWERED_BY_OTHERS = "这个问题已经有志愿者回答了，您的判断也已记录，谢谢！"
DESK_REPEATED = "您已经回答过这个问题了，谢谢！"
DESK_SKIPPED = "好的，这个问题交给其他志愿者。"
DESK_CLOSED = "这个提问已经结束了，居民已经收到了答复，不用再回答了，谢谢您的热心！"
DESK_GONE = "没有找到这个提问，可能已经撤回了。谢谢您的热心！"
DESK_TRY_LATER = "系统繁忙，您的回答暂时没有提交成功，请稍后再点一次。"
DESK_NOTE_SENT = "已补充给居民，谢谢！"
DESK_NOTE_TRY_LATER = f"系统繁忙，补充说明暂时没有送出，请稍后再发一次（{NOTE_MINUTES} 分钟内有效）。"
