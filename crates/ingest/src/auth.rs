//! Device authentication: MN lookup and password check, with caches.
//!
//! Device passwords (`PW`, 6 characters on the wire) are stored as argon2id
//! hashes. Verifying argon2 on every packet would cost milliseconds each, so a
//! successful check of a (hash, password) pair is remembered for the life of the
//! process; a changed password changes the stored hash and so misses the cache.
//! Unknown MNs are remembered briefly so a flood of packets from an unknown
//! device costs one store lookup per interval, not one per packet.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use store::{DeviceRecord, Store};

/// How long a looked-up device (or its absence) is trusted before asking the store again.
const DEVICE_CACHE_TTL: Duration = Duration::from_secs(30);
/// Most remembered verified (hash, password) pairs.
const MAX_VERIFIED: usize = 100_000;

/// Argon2id parameters for device passwords: 8 MiB, 1 pass. A device's PW crosses
/// the network in clear text in every packet, so the hash only protects a copy of
/// the database; lighter parameters keep commissioning thousands of devices fast.
fn device_argon2() -> argon2::Argon2<'static> {
    let params =
        argon2::Params::new(8 * 1024, 1, 1, None).expect("constant argon2 parameters are valid");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Hashes a device password into a PHC string for [`store::NewDevice::password_hash`].
pub fn hash_device_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    device_argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| format!("cannot hash device password: {error}"))
}

/// Why a device was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The packet has no MN.
    MissingMn,
    /// No registered device has this MN.
    UnknownMn,
    /// The PW does not match the device's password.
    WrongPassword,
    /// The store could not be asked.
    StoreUnavailable,
}

impl Refusal {
    /// Fixed label for metrics, logs and the archive.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::MissingMn => "missing_mn",
            Refusal::UnknownMn => "unknown_mn",
            Refusal::WrongPassword => "wrong_password",
            Refusal::StoreUnavailable => "store_unavailable",
        }
    }
}

#[derive(Debug, Clone)]
struct CachedLookup {
    device: Option<DeviceRecord>,
    fetched: Instant,
}

/// Looks up devices by MN and checks their passwords.
#[derive(Clone)]
pub(crate) struct DeviceDirectory {
    store: Arc<dyn Store>,
    lookups: Arc<Mutex<HashMap<String, CachedLookup>>>,
    verified: Arc<Mutex<HashMap<(String, String), ()>>>,
    /// Bounds concurrent argon2 checks, so a reconnect storm of thousands of
    /// devices cannot starve ingestion of CPU.
    hashing: Arc<tokio::sync::Semaphore>,
}

impl DeviceDirectory {
    pub(crate) fn new(store: Arc<dyn Store>) -> DeviceDirectory {
        let n_cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        DeviceDirectory {
            store,
            lookups: Arc::default(),
            verified: Arc::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(n_cores.div_ceil(2).max(1))),
        }
    }

    fn is_verified(&self, key: &(String, String)) -> bool {
        self.verified.lock().expect("verified-cache lock is never poisoned").contains_key(key)
    }

    /// The device with this MN, if its password matches.
    pub(crate) async fn authenticate(
        &self,
        mn: &str,
        password: &str,
    ) -> Result<DeviceRecord, Refusal> {
        let device = self.lookup(mn).await?.ok_or(Refusal::UnknownMn)?;
        let key = (device.device.password_hash.clone(), password.to_owned());
        if self.is_verified(&key) {
            return Ok(device);
        }
        let _permit = self.hashing.acquire().await.map_err(|_| Refusal::StoreUnavailable)?;
        // Another connection may have verified the same pair while we waited.
        if self.is_verified(&key) {
            return Ok(device);
        }
        let (hash, candidate) = key.clone();
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    device_argon2().verify_password(candidate.as_bytes(), &parsed).is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|_| Refusal::StoreUnavailable)?;
        if !matches {
            return Err(Refusal::WrongPassword);
        }
        let mut verified = self.verified.lock().expect("verified-cache lock is never poisoned");
        if verified.len() >= MAX_VERIFIED {
            verified.clear();
        }
        verified.insert(key, ());
        Ok(device)
    }

    /// The relaxed checks configured for the device with this MN, if it is registered.
    pub(crate) async fn leniency(&self, mn: &str) -> Option<store::DeviceLeniency> {
        self.lookup(mn).await.ok().flatten().map(|device| device.device.leniency)
    }

    async fn lookup(&self, mn: &str) -> Result<Option<DeviceRecord>, Refusal> {
        if let Some(cached) =
            self.lookups.lock().expect("lookup-cache lock is never poisoned").get(mn)
            && cached.fetched.elapsed() < DEVICE_CACHE_TTL
        {
            return Ok(cached.device.clone());
        }
        let Ok(parsed) = model::Mn::parse(mn) else { return Ok(None) };
        let store = self.store.clone();
        let device = tokio::task::spawn_blocking(move || store.device_by_mn(&parsed))
            .await
            .map_err(|_| Refusal::StoreUnavailable)?
            .map_err(|error| {
                tracing::error!(mn, error = %error, "device lookup failed");
                Refusal::StoreUnavailable
            })?;
        let mut lookups = self.lookups.lock().expect("lookup-cache lock is never poisoned");
        if lookups.len() >= MAX_VERIFIED {
            lookups.clear();
        }
        lookups.insert(
            mn.to_owned(),
            CachedLookup { device: device.clone(), fetched: Instant::now() },
        );
        Ok(device)
    }
}
