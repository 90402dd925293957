//! Times as the database stores them: RFC 3339 UTC with six fractional digits and a `Z`, fixed
//! width, so that text order is time order on both engines.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The stored form of a timestamp.
pub fn format(ts: Timestamp) -> String {
    let z = ts.to_zoned(TimeZone::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        z.year(),
        z.month(),
        z.day(),
        z.hour(),
        z.minute(),
        z.second(),
        z.subsec_nanosecond() / 1000
    )
}

pub fn now_string() -> String {
    format(Timestamp::now())
}

/// The server's clock. `today` pins the date (`DELIST_TODAY` in tests and reproducible views of
/// a past day); the time of day stays the real one so that events still follow each other.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    pub today: Option<Date>,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let real = Timestamp::now();
        match self.today {
            None => real,
            Some(d) => {
                let t = real.to_zoned(TimeZone::UTC).time();
                d.to_datetime(t).to_zoned(TimeZone::UTC).map(|z| z.timestamp()).unwrap_or(real)
            }
        }
    }

    pub fn today(&self) -> Date {
        self.today.unwrap_or_else(|| Timestamp::now().to_zoned(TimeZone::UTC).date())
    }
}

/// The date part of a stored time.
pub fn date_of(stored: &str) -> Option<Date> {
    stored.get(..10)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_are_fixed_width_and_sort_as_times() {
        let a = format("2026-01-02T03:04:05Z".parse().expect("ts"));
        let b = format("2026-01-02T03:04:05.5+00:00".parse().expect("ts"));
        assert_eq!(a, "2026-01-02T03:04:05.000000Z");
        assert_eq!(b, "2026-01-02T03:04:05.500000Z");
        assert!(a < b);
        assert_eq!(date_of(&a), Some(jiff::civil::date(2026, 1, 2)));
        let pinned = Clock { today: Some(jiff::civil::date(2026, 11, 28)) };
        assert!(format(pinned.now()).starts_with("2026-11-28T"));
    }
}
