//! Article dates: parsing front-matter dates and writing them in Arabic
//! (`docs/arabic.md` §5).
//!
//! Dates are Gregorian. They are parsed strictly, with messages that say what
//! is wrong and how to write it, and displayed with Arabic month names, never
//! as a bare hyphenated numeric date: inside Arabic text the bidi algorithm
//! shows such a date's groups in reverse order.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Weekday};

use super::fold::ascii_digits;

/// The forms [`ArticleDate::parse`] accepts, as told to the author.
const ACCEPTED: &str = "write 2020-10-27 or 2020-10-27T14:05:00+03:00";

/// Years before this are taken for Hijri years typed by mistake (1445 AH is
/// 2024 CE); no archive needs Gregorian dates that old.
const HIJRI_YEAR_LIMIT: i32 = 1600;

const LEVANT_MONTHS: [&str; 12] = [
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
];

const EGYPT_MONTHS: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

/// Levantine and Egyptian names joined with `/`. CLDR has no such form; a
/// unit test checks it against the two tables above.
const BOTH_MONTHS: [&str; 12] = [
    "كانون الثاني/يناير",
    "شباط/فبراير",
    "آذار/مارس",
    "نيسان/أبريل",
    "أيار/مايو",
    "حزيران/يونيو",
    "تموز/يوليو",
    "آب/أغسطس",
    "أيلول/سبتمبر",
    "تشرين الأول/أكتوبر",
    "تشرين الثاني/نوفمبر",
    "كانون الأول/ديسمبر",
];

/// Weekdays from Sunday, the first day of the Arab week.
const WEEKDAYS: [&str; 7] = [
    "الأحد",
    "الاثنين",
    "الثلاثاء",
    "الأربعاء",
    "الخميس",
    "الجمعة",
    "السبت",
];

const ARABIC_INDIC_DIGITS: [char; 10] = ['٠', '١', '٢', '٣', '٤', '٥', '٦', '٧', '٨', '٩'];

/// An article's publication (or update) time, with the UTC offset it was
/// written in.
///
/// Equality, order and hashing are by instant: `14:05+03:00` equals
/// `11:05Z`, so archives sort correctly across time zones. The offset is kept
/// for display, so the day shown is the one the author meant.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ArticleDate(DateTime<FixedOffset>);

/// Which month names to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MonthNames {
    /// كانون الثاني، شباط، … (Syria, Lebanon, Jordan, Iraq, Palestine).
    #[default]
    Levant,
    /// يناير، فبراير، … (Egypt and the Gulf).
    Egypt,
    /// أيار/مايو: both, for readers across the region.
    Both,
}

/// Which digits to show in generated text. Authors' own digits in article
/// text are never changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Digits {
    /// 0–9.
    #[default]
    Latin,
    /// Arabic-Indic ٠–٩, the CLDR default for the Levant, Egypt and Saudi
    /// Arabia.
    Arabic,
}

/// How generated dates look; set in the site configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateStyle {
    /// Month names.
    pub months: MonthNames,
    /// Digits for day and year.
    pub digits: Digits,
}

/// A date that [`ArticleDate::parse`] rejected.
///
/// Its message quotes the input, says what is wrong and ends with the forms
/// that are accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid date ({kind}); {}", ACCEPTED)]
pub struct DateError {
    input: String,
    kind: DateErrorKind,
}

/// What was wrong with a date.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateErrorKind {
    /// Nothing was given.
    #[error("it is empty")]
    Empty,
    /// Not year-month-day with a four-digit year and two-digit month and day.
    #[error("expected year-month-day with 4, 2 and 2 digits")]
    Shape,
    /// Looks like day-month-year, which readers cannot tell from
    /// month-day-year.
    #[error("it looks like day-month-year; put the year first")]
    DayFirst,
    /// A year too early to be a Gregorian archive date.
    #[error("year {0} looks like a Hijri date; dates are Gregorian")]
    Hijri(i32),
    /// A month outside 1–12.
    #[error("month {0} does not exist")]
    Month(u32),
    /// A day outside the month.
    #[error("day {day} does not exist: {year:04}-{month:02} has {days} days")]
    Day {
        /// The year.
        year: i32,
        /// The month.
        month: u32,
        /// The day given.
        day: u32,
        /// The days the month has.
        days: u32,
    },
    /// A time not written as HH:MM or HH:MM:SS.
    #[error("expected a time such as 14:05 or 14:05:00 after the date")]
    TimeShape,
    /// A time outside the day.
    #[error("time {0} does not exist")]
    Time(String),
    /// A UTC offset beyond ±23:59.
    #[error("offset {0} is out of range")]
    Offset(String),
    /// Text after a complete date.
    #[error("unexpected `{0}` after the date")]
    Trailing(String),
}

impl DateError {
    /// The rejected input, trimmed, with its digits as the author wrote them.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// What was wrong.
    pub fn kind(&self) -> &DateErrorKind {
        &self.kind
    }
}

impl ArticleDate {
    /// Parses a front-matter date.
    ///
    /// Accepted, after trimming whitespace:
    ///
    /// * `YYYY-MM-DD`: midnight in `default_offset`;
    /// * `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`, with `T` or a space:
    ///   in `default_offset`;
    /// * the same with `Z` or an offset (`+03:00`), as in RFC 3339.
    ///
    /// Arabic-Indic and Extended Arabic-Indic digits are accepted as well,
    /// because authors type them and there is no ambiguity. Fractional
    /// seconds are accepted and dropped: pages show minutes at most.
    pub fn parse(s: &str, default_offset: FixedOffset) -> Result<ArticleDate, DateError> {
        let input = s.trim();
        parse_datetime(&ascii_digits(input), default_offset)
            .map(ArticleDate)
            .map_err(|kind| DateError {
                input: input.to_owned(),
                kind,
            })
    }

    /// The year, in the date's own offset.
    pub fn year(&self) -> i32 {
        self.0.year()
    }

    /// The month, 1–12, in the date's own offset.
    pub fn month(&self) -> u32 {
        self.0.month()
    }

    /// The day of the month, in the date's own offset.
    pub fn day(&self) -> u32 {
        self.0.day()
    }

    /// The day of the week, in the date's own offset.
    pub fn weekday(&self) -> Weekday {
        self.0.weekday()
    }

    /// RFC 3339 with whole seconds and a numeric offset, e.g.
    /// `2020-10-27T14:05:00+03:00`: for feeds, sitemaps and `<time>`.
    pub fn rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Secs, false)
    }

    /// Everything [`rfc3339`](Self::rfc3339) shows, as numbers: the instant's
    /// whole seconds and the offset's. Cheaper to hash than the text.
    pub fn seconds_and_offset(&self) -> (i64, i32) {
        (self.0.timestamp(), self.0.offset().local_minus_utc())
    }

    /// The calendar date, e.g. `2020-10-27`: for `<time datetime>` and paths.
    pub fn iso_date(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }

    /// The instant as seconds since the Unix epoch and nanoseconds: dates
    /// compare as these do.
    pub fn instant(&self) -> (i64, u32) {
        (self.0.timestamp(), self.0.timestamp_subsec_nanos())
    }

    /// Seconds since the Unix epoch.
    pub fn timestamp(&self) -> i64 {
        self.0.timestamp()
    }

    /// The underlying date and time.
    pub fn datetime(&self) -> DateTime<FixedOffset> {
        self.0
    }

    /// The date for readers, e.g. `27 تشرين الأول 2020`, or
    /// `٢٧ أكتوبر ٢٠٢٠` with Egyptian names and Arabic digits.
    pub fn display(&self, style: DateStyle) -> String {
        let text = format!(
            "{} {} {}",
            self.day(),
            month_name(self.month(), style.months),
            self.year()
        );
        style.digits.apply(&text)
    }
}

impl From<DateTime<FixedOffset>> for ArticleDate {
    fn from(datetime: DateTime<FixedOffset>) -> ArticleDate {
        ArticleDate(datetime)
    }
}

impl fmt::Display for ArticleDate {
    /// Writes [`ArticleDate::rfc3339`]: the unambiguous form, for logs and
    /// messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Digits {
    /// Writes the ASCII digits of `s` in this digit set; other characters are
    /// unchanged.
    pub fn apply(self, s: &str) -> String {
        match self {
            Digits::Latin => s.to_owned(),
            Digits::Arabic => s
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) if c.is_ascii_digit() => ARABIC_INDIC_DIGITS[d as usize],
                    _ => c,
                })
                .collect(),
        }
    }
}

/// The name of `month` (1–12); the empty string for any other number.
pub fn month_name(month: u32, names: MonthNames) -> &'static str {
    let table = match names {
        MonthNames::Levant => &LEVANT_MONTHS,
        MonthNames::Egypt => &EGYPT_MONTHS,
        MonthNames::Both => &BOTH_MONTHS,
    };
    month
        .checked_sub(1)
        .and_then(|i| table.get(i as usize))
        .copied()
        .unwrap_or("")
}

/// The Arabic name of a weekday.
pub fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_sunday() as usize]
}

/// A month and year for archive titles, e.g. `تشرين الأول 2020`.
pub fn month_display(year: i32, month: u32, style: DateStyle) -> String {
    let text = format!("{} {}", month_name(month, style.months), year);
    style.digits.apply(&text)
}

/// Parses `s`, whose digits are already ASCII.
fn parse_datetime(
    s: &str,
    default_offset: FixedOffset,
) -> Result<DateTime<FixedOffset>, DateErrorKind> {
    if s.is_empty() {
        return Err(DateErrorKind::Empty);
    }
    let mut cur = Cursor(s);
    let date = parse_date(&mut cur).ok_or_else(|| shape_error(s))?;
    let date = valid_date(date)?;
    if cur.0.is_empty() {
        return local(date.and_time(chrono::NaiveTime::MIN), default_offset);
    }
    if !(cur.eat('T') || cur.eat('t') || cur.eat(' ')) {
        return Err(DateErrorKind::Trailing(cur.0.to_owned()));
    }
    let time_text = cur.0;
    let (hour, minute, second) = parse_time(&mut cur).ok_or(DateErrorKind::TimeShape)?;
    let time = chrono::NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(|| {
        let len = time_text.len() - cur.0.len();
        DateErrorKind::Time(time_text.get(..len).unwrap_or(time_text).to_owned())
    })?;
    let naive = date.and_time(time);
    cur.eat(' ');
    let offset = match parse_offset(&mut cur)? {
        Some(offset) => offset,
        None => default_offset,
    };
    if !cur.0.is_empty() {
        return Err(DateErrorKind::Trailing(cur.0.trim().to_owned()));
    }
    local(naive, offset)
}

/// `YYYY-MM-DD` as numbers, unchecked.
fn parse_date(cur: &mut Cursor<'_>) -> Option<(i32, u32, u32)> {
    let year = cur.number(4)?;
    cur.require('-')?;
    let month = cur.number(2)?;
    cur.require('-')?;
    let day = cur.number(2)?;
    Some((i32::try_from(year).ok()?, month, day))
}

fn valid_date((year, month, day): (i32, u32, u32)) -> Result<NaiveDate, DateErrorKind> {
    if year < HIJRI_YEAR_LIMIT {
        return Err(DateErrorKind::Hijri(year));
    }
    if !(1..=12).contains(&month) {
        return Err(DateErrorKind::Month(month));
    }
    let days = days_in_month(year, month);
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateErrorKind::Day {
        year,
        month,
        day,
        days,
    })
}

/// `HH:MM` or `HH:MM:SS`, with an optional dropped fraction, unchecked.
fn parse_time(cur: &mut Cursor<'_>) -> Option<(u32, u32, u32)> {
    let hour = cur.number(2)?;
    cur.require(':')?;
    let minute = cur.number(2)?;
    let mut second = 0;
    if cur.eat(':') {
        second = cur.number(2)?;
        if (cur.eat('.') || cur.eat(',')) && cur.digits() == 0 {
            return None;
        }
    }
    Some((hour, minute, second))
}

/// `Z`, `+HH:MM` or `+HHMM` (or with `-`); `None` when no offset follows.
fn parse_offset(cur: &mut Cursor<'_>) -> Result<Option<FixedOffset>, DateErrorKind> {
    if cur.eat('Z') || cur.eat('z') {
        return Ok(FixedOffset::east_opt(0));
    }
    let text = cur.0;
    let sign = if cur.eat('+') {
        1
    } else if cur.eat('-') {
        -1
    } else {
        return Ok(None);
    };
    let bad = || DateErrorKind::Offset(text.to_owned());
    let hours = cur.leading(2).ok_or_else(bad)?;
    cur.eat(':');
    let minutes = cur.number(2).ok_or_else(bad)?;
    if hours > 23 || minutes > 59 {
        return Err(bad());
    }
    let seconds = i32::try_from(hours * 3600 + minutes * 60).map_err(|_| bad())?;
    FixedOffset::east_opt(sign * seconds)
        .ok_or_else(bad)
        .map(Some)
}

fn local(
    naive: chrono::NaiveDateTime,
    offset: FixedOffset,
) -> Result<DateTime<FixedOffset>, DateErrorKind> {
    // A fixed offset maps every local time to exactly one instant.
    offset
        .from_local_datetime(&naive)
        .single()
        .ok_or(DateErrorKind::Shape)
}

/// Tells a day-first date from any other malformed one.
fn shape_error(s: &str) -> DateErrorKind {
    let date = s.split(['T', ' ']).next().unwrap_or(s);
    let parts: Vec<&str> = date.split(['-', '/', '.']).collect();
    let all_digits = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    match parts.as_slice() {
        [d, _, y] if all_digits && d.len() <= 2 && y.len() == 4 => DateErrorKind::DayFirst,
        _ => DateErrorKind::Shape,
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A tiny parser over the unread rest of the input.
struct Cursor<'a>(&'a str);

impl Cursor<'_> {
    /// Consumes `c` if it comes next.
    fn eat(&mut self, c: char) -> bool {
        match self.0.strip_prefix(c) {
            Some(rest) => {
                self.0 = rest;
                true
            }
            None => false,
        }
    }

    /// Consumes `c`, or fails when something else comes next.
    fn require(&mut self, c: char) -> Option<()> {
        self.eat(c).then_some(())
    }

    /// Consumes exactly `n` ASCII digits, not followed by another digit.
    fn number(&mut self, n: usize) -> Option<u32> {
        if self.0.as_bytes().get(n).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        self.leading(n)
    }

    /// Consumes the next `n` characters if they are all ASCII digits.
    fn leading(&mut self, n: usize) -> Option<u32> {
        let digits = self.0.get(..n)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.0 = &self.0[n..];
        digits.parse().ok()
    }

    /// Consumes a run of ASCII digits and returns its length.
    fn digits(&mut self) -> usize {
        let n = self.0.bytes().take_while(u8::is_ascii_digit).count();
        self.0 = &self.0[n..];
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(hours: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3600).expect("valid offset")
    }

    fn parse(s: &str) -> Result<ArticleDate, DateError> {
        ArticleDate::parse(s, offset(3))
    }

    #[test]
    fn parse_accepts() {
        let vectors = [
            ("2020-10-27", "2020-10-27T00:00:00+03:00"),
            ("  2020-10-27\n", "2020-10-27T00:00:00+03:00"),
            ("2020-10-27T14:05", "2020-10-27T14:05:00+03:00"),
            ("2020-10-27T14:05:09", "2020-10-27T14:05:09+03:00"),
            ("2020-10-27 14:05:09", "2020-10-27T14:05:09+03:00"),
            ("2020-10-27 14:05", "2020-10-27T14:05:00+03:00"),
            ("2020-10-27T14:05:00Z", "2020-10-27T14:05:00+00:00"),
            ("2020-10-27t14:05:00z", "2020-10-27T14:05:00+00:00"),
            ("2020-10-27T14:05:00+02:00", "2020-10-27T14:05:00+02:00"),
            ("2020-10-27T14:05:00-05:30", "2020-10-27T14:05:00-05:30"),
            ("2020-10-27T14:05+0200", "2020-10-27T14:05:00+02:00"),
            ("2020-10-27 14:05:00 +02:00", "2020-10-27T14:05:00+02:00"),
            (
                "2020-10-27T14:05:00.123456+02:00",
                "2020-10-27T14:05:00+02:00",
            ),
            ("2020-10-27T23:59:59", "2020-10-27T23:59:59+03:00"),
            ("2024-02-29", "2024-02-29T00:00:00+03:00"),
            ("2000-02-29", "2000-02-29T00:00:00+03:00"),
            ("٢٠٢٠-١٠-٢٧", "2020-10-27T00:00:00+03:00"),
            ("۲۰۲۰-۱۰-۲۷T۱۴:۰۵", "2020-10-27T14:05:00+03:00"),
            ("1600-01-01", "1600-01-01T00:00:00+03:00"),
        ];
        for (input, want) in vectors {
            let got = parse(input).map(|d| d.rfc3339());
            assert_eq!(got.as_deref(), Ok(want), "parse({input:?})");
        }
    }

    #[test]
    fn parse_rejects() {
        use DateErrorKind::*;
        let day = |year, month, day, days| Day {
            year,
            month,
            day,
            days,
        };
        let vectors = [
            ("", Empty),
            ("   ", Empty),
            ("2020-13-40", Month(13)),
            ("2020-00-10", Month(0)),
            ("2021-02-29", day(2021, 2, 29, 28)),
            ("1900-02-29", day(1900, 2, 29, 28)),
            ("2021-04-31", day(2021, 4, 31, 30)),
            ("2020-10-00", day(2020, 10, 0, 31)),
            ("1442-03-10", Hijri(1442)),
            ("١٤٤٥-١٠-٢٤", Hijri(1445)),
            ("27/10/2020", DayFirst),
            ("27-10-2020", DayFirst),
            ("3.5.2024", DayFirst),
            ("2020/10/27", Shape),
            ("20201027", Shape),
            ("2020-1-5", Shape),
            ("02020-10-27", Shape),
            ("yesterday", Shape),
            ("2020-10-27x", Trailing("x".to_owned())),
            ("2020-10-277", Shape),
            ("2020-10-27T25:00", Time("25:00".to_owned())),
            ("2020-10-27T14:60", Time("14:60".to_owned())),
            ("2020-10-27T14:05:61", Time("14:05:61".to_owned())),
            ("2020-10-27T14", TimeShape),
            ("2020-10-27T1405", TimeShape),
            ("2020-10-27T14:05:00.", TimeShape),
            ("2020-10-27T14:05:00+25:00", Offset("+25:00".to_owned())),
            ("2020-10-27T14:05:00+3", Offset("+3".to_owned())),
            (
                "2020-10-27T14:05:00 Damascus",
                Trailing("Damascus".to_owned()),
            ),
            ("2020-10-27T14:05:00+03:00x", Trailing("x".to_owned())),
        ];
        for (input, want) in vectors {
            let got = parse(input).map_err(|e| e.kind().clone());
            assert_eq!(got, Err(want), "parse({input:?})");
        }
    }

    #[test]
    fn error_messages() {
        let err = parse("2020-13-40").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`2020-13-40` is not a valid date (month 13 does not exist); \
             write 2020-10-27 or 2020-10-27T14:05:00+03:00"
        );
        let err = parse("١٤٤٢-٠٣-١٠").unwrap_err();
        assert_eq!(err.input(), "١٤٤٢-٠٣-١٠");
        assert!(
            err.to_string()
                .contains("looks like a Hijri date; dates are Gregorian"),
            "{err}"
        );
        let err = parse("2021-02-29").unwrap_err();
        assert!(err.to_string().contains("2021-02 has 28 days"), "{err}");
    }

    #[test]
    fn order_is_by_instant() {
        let a = parse("2020-10-27T14:05:00+03:00").expect("valid");
        let b = parse("2020-10-27T11:05:00Z").expect("valid");
        let c = parse("2020-10-27T12:00:00Z").expect("valid");
        assert_eq!(a, b);
        assert!(a < c && b < c);
        assert_eq!(a.timestamp(), b.timestamp());
        // Each keeps its own offset for display.
        assert_eq!(a.rfc3339(), "2020-10-27T14:05:00+03:00");
        assert_eq!(b.rfc3339(), "2020-10-27T11:05:00+00:00");
    }

    proptest::proptest! {
        #[test]
        fn instants_order_as_dates_do(
            a in (-4_000_000_000i64..4_000_000_000, 0u32..2_000_000_000, -86_399i32..86_400),
            b in (-4_000_000_000i64..4_000_000_000, 0u32..2_000_000_000, -86_399i32..86_400),
            same_second in proptest::bool::ANY,
        ) {
            let date = |(secs, nanos, offset): (i64, u32, i32)| {
                let utc = DateTime::from_timestamp(secs, nanos)?;
                Some(ArticleDate::from(utc.with_timezone(&FixedOffset::east_opt(offset)?)))
            };
            // Often the same second, so that nanoseconds (and leap seconds)
            // decide.
            let b = if same_second { (a.0, b.1, b.2) } else { b };
            if let (Some(x), Some(y)) = (date(a), date(b)) {
                proptest::prop_assert_eq!(x.cmp(&y), x.instant().cmp(&y.instant()));
            }
        }
    }

    #[test]
    fn accessors_use_the_dates_own_offset() {
        let d = parse("2020-10-27T01:30:00+03:00").expect("valid");
        assert_eq!((d.year(), d.month(), d.day()), (2020, 10, 27));
        assert_eq!(d.iso_date(), "2020-10-27");
        assert_eq!(d.weekday(), Weekday::Tue);
        assert_eq!(d.datetime().naive_utc().to_string(), "2020-10-26 22:30:00");
        assert_eq!(d.timestamp(), 1_603_751_400);
        assert_eq!(d.to_string(), "2020-10-27T01:30:00+03:00");
    }

    #[test]
    fn display_vectors() {
        let style = |months, digits| DateStyle { months, digits };
        let vectors = [
            (
                "2020-10-27",
                style(MonthNames::Levant, Digits::Latin),
                "27 تشرين الأول 2020",
            ),
            (
                "2020-10-27",
                style(MonthNames::Egypt, Digits::Arabic),
                "٢٧ أكتوبر ٢٠٢٠",
            ),
            (
                "2020-10-27",
                style(MonthNames::Both, Digits::Latin),
                "27 تشرين الأول/أكتوبر 2020",
            ),
            ("2024-05-03", DateStyle::default(), "3 أيار 2024"),
            (
                "2024-05-03",
                style(MonthNames::Levant, Digits::Arabic),
                "٣ أيار ٢٠٢٤",
            ),
            (
                "2021-01-09",
                style(MonthNames::Egypt, Digits::Latin),
                "9 يناير 2021",
            ),
        ];
        for (input, style, want) in vectors {
            let date = parse(input).expect("valid");
            assert_eq!(date.display(style), want, "{input} {style:?}");
        }
    }

    #[test]
    fn month_display_vectors() {
        let levant = DateStyle::default();
        let egypt_arabic = DateStyle {
            months: MonthNames::Egypt,
            digits: Digits::Arabic,
        };
        assert_eq!(month_display(2020, 10, levant), "تشرين الأول 2020");
        assert_eq!(month_display(2020, 1, levant), "كانون الثاني 2020");
        assert_eq!(month_display(2024, 5, egypt_arabic), "مايو ٢٠٢٤");
    }

    #[test]
    fn month_names() {
        for month in 1..=12 {
            let both = format!(
                "{}/{}",
                month_name(month, MonthNames::Levant),
                month_name(month, MonthNames::Egypt)
            );
            assert_eq!(month_name(month, MonthNames::Both), both);
        }
        assert_eq!(month_name(5, MonthNames::Both), "أيار/مايو");
        assert_eq!(month_name(12, MonthNames::Levant), "كانون الأول");
        assert_eq!(month_name(0, MonthNames::Levant), "");
        assert_eq!(month_name(13, MonthNames::Egypt), "");
    }

    #[test]
    fn weekday_names() {
        let vectors = [
            (Weekday::Sun, "الأحد"),
            (Weekday::Mon, "الاثنين"),
            (Weekday::Tue, "الثلاثاء"),
            (Weekday::Wed, "الأربعاء"),
            (Weekday::Thu, "الخميس"),
            (Weekday::Fri, "الجمعة"),
            (Weekday::Sat, "السبت"),
        ];
        for (day, want) in vectors {
            assert_eq!(weekday_name(day), want, "{day:?}");
        }
    }

    #[test]
    fn digits_apply() {
        let vectors = [
            (Digits::Latin, "27 2020", "27 2020"),
            (Digits::Arabic, "27 2020", "٢٧ ٢٠٢٠"),
            (Digits::Arabic, "0123456789", "٠١٢٣٤٥٦٧٨٩"),
            (Digits::Arabic, "abc ٣", "abc ٣"),
            (Digits::Arabic, "", ""),
        ];
        for (digits, input, want) in vectors {
            assert_eq!(digits.apply(input), want, "{digits:?}.apply({input:?})");
        }
    }

    #[test]
    fn config_names() {
        let vectors = [
            ("\"levant\"", MonthNames::Levant),
            ("\"egypt\"", MonthNames::Egypt),
            ("\"both\"", MonthNames::Both),
        ];
        for (json, want) in vectors {
            assert_eq!(serde_json::from_str::<MonthNames>(json).ok(), Some(want));
        }
        assert_eq!(
            serde_json::from_str::<Digits>("\"arabic\"").ok(),
            Some(Digits::Arabic)
        );
        assert_eq!(
            serde_json::from_str::<Digits>("\"latin\"").ok(),
            Some(Digits::Latin)
        );
        assert!(serde_json::from_str::<Digits>("\"Arabic\"").is_err());
    }
}
