"""Libraries, locations, the opening calendar, logins, API tokens and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Library(models.Model):
    """One school's library (图书室/图书馆). A district deployment holds many."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    school_name = models.CharField(_("学校名称"), max_length=200, blank=True)
    time_zone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai")
    # One scan field tells a card from a barcode by these regular expressions.
    card_pattern = models.CharField(_("借书证号格式"), max_length=200, default=r"^R\d{4,10}$")
    barcode_pattern = models.CharField(_("条码号格式"), max_length=200, default=r"^\d{6,14}$")
    grade_system = models.CharField(_("学制"), max_length=20, default="6-3")
    current_school_year = models.PositiveSmallIntegerField(_("当前学年"), default=2026)
    vacation_loans = models.BooleanField(_("假期借阅"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("图书馆")
        verbose_name_plural = _("图书馆")
        ordering = ["id"]
        # The capabilities that roles are made of (see core/permissions.py).
        permissions = [
            ("staff_access", "staff_access"),
            ("circulate", "circulate"),
            ("circulate_any_class", "circulate_any_class"),
            ("override_refusal", "override_refusal"),
            ("catalog", "catalog"),
            ("manage_patrons", "manage_patrons"),
            ("view_patron_history", "view_patron_history"),
            ("view_reports", "view_reports"),
            ("manage_library", "manage_library"),
            ("view_own_class", "view_own_class"),
            ("manage_logins", "manage_logins"),
            ("manage_deployment", "manage_deployment"),
            ("manage_settings", "manage_settings"),
        ]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    class Kind(models.TextChoices):
        STACKS = "stacks", _("书库")
        READING_ROOM = "reading_room", _("阅览室")
        TEACHER_ROOM = "teacher_room", _("教师阅览室")
        CLASS_CORNER = "class_corner", _("班级图书角")
        OTHER = "other", _("其他")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="locations")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.STACKS)
    # A location no longer in use (a class corner closed) is marked, not deleted, while
    # copies or their history refer to it; new copies are not placed there.
    active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        verbose_name = _("馆藏地点")
        verbose_name_plural = _("馆藏地点")
        constraints = [
            models.UniqueConstraint(fields=["library", "code"], name="location_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningSlot(models.Model):
    """A weekly opening hour, e.g. students Monday 13:00–14:00."""

    class Audience(models.TextChoices):
        ALL = "all", _("全体")
        STUDENTS = "students", _("学生")
        TEACHERS = "teachers", _("教师")

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="opening_slots")
    weekday = models.PositiveSmallIntegerField(_("星期"), help_text=_("0 为星期一，6 为星期日"))
    opens = models.TimeField(_("开馆"))
    closes = models.TimeField(_("闭馆"))
    audience = models.CharField(
        _("对象"), max_length=10, choices=Audience.choices, default=Audience.ALL
    )

    class Meta:
        verbose_name = _("开放时间")
        verbose_name_plural = _("开放时间")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="slot_weekday_range"
            ),
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="slot_closes_after_opens"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


class CalendarDay(models.Model):
    """A date that differs from the weekly pattern: a closed day, or a make-up open day (调休)."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("闭馆日")
        OPEN = "open", _("调休开放日")

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="calendar_days")
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("特殊日期")
        verbose_name_plural = _("特殊日期")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["library", "date"], name="calendar_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Vacation(models.Model):
    """A named vacation (寒假/暑假): the library is closed from start to end inclusive."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="vacations")
    name = models.CharField(_("名称"), max_length=50)
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))

    class Meta:
        verbose_name = _("假期")
        verbose_name_plural = _("假期")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="vacation_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    """A school term (学期); teachers' loans fall due at its end."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(_("名称"), max_length=50)
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))

    class Meta:
        verbose_name = _("学期")
        verbose_name_plural = _("学期")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="term_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A login belongs to one library; every lookup it makes is scoped to it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="members")

    class Meta:
        verbose_name = _("所属图书馆")
        verbose_name_plural = _("所属图书馆")

    def __str__(self) -> str:
        return f"{self.user} @ {self.library}"


class ApiToken(models.Model):
    """An API token; only its SHA-256 is stored, and requests look it up by that hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class AuditEvent(models.Model):
    """Who changed what, when, through which channel. Append-only: the database refuses
    UPDATE and DELETE on this table (triggers made in migration 0002)."""

    class Channel(models.TextChoices):
        WEB = "web", _("网页")
        API = "api", _("接口")
        CLI = "cli", _("命令行")
        SIP2 = "sip2", _("自助机")
        SYSTEM = "system", _("系统")
        ADMIN = "admin", _("管理后台")

    library = models.ForeignKey(
        Library, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象"), max_length=64, db_index=True)
    object_repr = models.CharField(_("对象名称"), max_length=200, blank=True)
    # Dates and the like in before/after are written as Django's JSON encoder writes them.
    before = models.JSONField(_("之前"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("之后"), null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    # The reader an event about loans, holds and fees concerns, as a pseudonym
    # (AuditReader): anonymizing a reader deletes the link and leaves the event, which
    # stays append-only, pointing at nobody. Null rather than "" so that adding the
    # column is a plain ALTER TABLE that keeps the append-only triggers.
    reader = models.CharField(_("读者代号"), max_length=16, null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class AuditReader(models.Model):
    """The link between a reader and the pseudonym the audit log knows them by.

    Events about a reader's loans, holds and fees name the reader only by this
    pseudonym, never by card number or name. Anonymizing the reader's history deletes
    this row: the events stay as they were written (the log is append-only) and no
    longer lead to anyone. The reader gets a fresh pseudonym for what happens next.
    The reader is held as a plain number, not a foreign key, since core sits below
    the readers' app (DESIGN rule 10)."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    patron_id = models.PositiveBigIntegerField()
    pseudonym = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("审计读者代号")
        verbose_name_plural = _("审计读者代号")
        constraints = [
            models.UniqueConstraint(fields=["library", "patron_id"], name="audit_reader_one_link"),
        ]

    def __str__(self) -> str:
        return self.pseudonym
