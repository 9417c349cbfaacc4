//! Deterministic simulated values: daily cycle, noise, exceedances, faults, maintenance.
//!
//! Every value is a pure function of (seed, device, parameter, data time), so a
//! re-sent history packet carries exactly the values of the original, as a real
//! device's stored history would.

use chrono::{NaiveDateTime, Timelike};

use crate::fleet::{ParamSpec, VirtualDevice};

/// Chance that a limited parameter exceeds its limit in a given hour.
const EXCEEDANCE_PER_HOUR: f64 = 0.02;
/// Chance that a device reports an instrument fault (flag `D`) in a given hour.
const FAULT_PER_HOUR: f64 = 0.005;
/// Chance that a device is under maintenance (flag `M`) at 10:00 on a given day.
const MAINTENANCE_PER_DAY: f64 = 0.05;

/// One simulated value and its HJ 212 data flag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// The value, rounded to the parameter's decimals.
    pub value: f64,
    /// `N`, `D` (fault) or `M` (maintenance).
    pub flag: char,
}

/// SplitMix64 finaliser: a fast, well-mixed hash of one 64-bit word.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) determined by the inputs.
fn unit(seed: u64, parts: [u64; 3]) -> f64 {
    let hash = parts.iter().fold(mix(seed), |acc, part| mix(acc ^ part));
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// A uniform number in [0, 1) for (seed, a, b): the simulator's deterministic dice.
pub fn unit_for(seed: u64, a: u64, b: u64) -> f64 {
    unit(seed, [a, b, 0])
}

/// A standard normal number determined by the inputs (Box–Muller).
fn normal(seed: u64, parts: [u64; 3]) -> f64 {
    let u1 = unit(seed, parts).max(1e-12);
    let u2 = unit(seed ^ 0x5555, parts);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn round_to(value: f64, decimals: usize) -> f64 {
    let scale = 10f64.powi(decimals as i32);
    (value * scale).round() / scale
}

/// Minutes since 2000-01-01 00:00 of a Beijing time: the time key of a sample.
fn minute_key(time: NaiveDateTime) -> u64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .expect("2000-01-01 exists");
    (time - epoch).num_minutes().max(0) as u64
}

/// The data flag of `device` at Beijing time `time`.
pub fn flag_at(seed: u64, device: &VirtualDevice, time: NaiveDateTime) -> char {
    let hour_key = minute_key(time) / 60;
    let day_key = hour_key / 24;
    if time.hour() == 10 && unit(seed, [device.index as u64, day_key, 0xA11]) < MAINTENANCE_PER_DAY
    {
        'M'
    } else if unit(seed, [device.index as u64, hour_key, 0xFA]) < FAULT_PER_HOUR {
        'D'
    } else {
        'N'
    }
}

/// The value of parameter `param_index` of `device` at Beijing time `time`.
pub fn value_at(seed: u64, device: &VirtualDevice, param_index: usize, time: NaiveDateTime) -> f64 {
    let spec: &ParamSpec = &device.params[param_index];
    let key = minute_key(time);
    let hour_of_day = f64::from(time.hour()) + f64::from(time.minute()) / 60.0;
    let phase = std::f64::consts::TAU * (hour_of_day - spec.peak_hour) / 24.0;
    let device_bias =
        1.0 + 0.2 * (unit(seed, [device.index as u64, param_index as u64, 0xB1A5]) - 0.5);
    let cycle = 1.0 + spec.daily_amplitude * phase.cos();
    let noise = 1.0 + spec.noise * normal(seed, [device.index as u64, param_index as u64, key]);
    let mut value = spec.base * device_bias * cycle * noise;
    if let Some(limit) = spec.limit {
        let hour_key = key / 60;
        if unit(seed, [device.index as u64, param_index as u64, hour_key ^ 0xE0])
            < EXCEEDANCE_PER_HOUR
        {
            value = limit
                * (1.1 + 0.7 * unit(seed, [device.index as u64, param_index as u64, key ^ 0xE1]));
        }
    }
    round_to(value.max(0.0), spec.decimals)
}

/// The sample of parameter `param_index` of `device` at Beijing time `time`.
pub fn sample_at(
    seed: u64,
    device: &VirtualDevice,
    param_index: usize,
    time: NaiveDateTime,
) -> Sample {
    Sample { value: value_at(seed, device, param_index, time), flag: flag_at(seed, device, time) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::virtual_device;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn same_inputs_same_value_and_different_times_differ() {
        let device = virtual_device(3);
        let first = value_at(7, &device, 6, at("2026-11-01 08:00"));
        assert_eq!(first, value_at(7, &device, 6, at("2026-11-01 08:00")));
        assert_ne!(first, value_at(7, &device, 6, at("2026-11-01 08:01")));
        assert_ne!(first, value_at(8, &device, 6, at("2026-11-01 08:00")));
    }

    #[test]
    fn a_month_of_hours_has_some_exceedances_faults_and_mostly_normal_values() {
        let device = virtual_device(2);
        let limit = device.params[7].limit.unwrap();
        let start = at("2026-10-01 00:00");
        let (mut n_over, mut n_flagged, mut n_hours) = (0, 0, 0);
        for hour in 0..(24 * 60) {
            let time = start + chrono::Duration::hours(hour);
            n_hours += 1;
            if value_at(1, &device, 7, time) > limit {
                n_over += 1;
            }
            if flag_at(1, &device, time) != 'N' {
                n_flagged += 1;
            }
        }
        assert!(n_over > 0 && n_over < n_hours / 10, "{n_over} of {n_hours}");
        assert!(n_flagged > 0 && n_flagged < n_hours / 20, "{n_flagged} of {n_hours}");
    }
}
