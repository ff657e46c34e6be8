/* SPDX-License-Identifier: ISC */
/* Hearth's curated Mbed TLS 3.6 configuration: a TLS 1.3/1.2 server with ECDSA P-256 and AEAD only. */
#ifndef TLS_MBEDTLS_CONFIG_H
#define TLS_MBEDTLS_CONFIG_H

/*
 * Selected with MBEDTLS_CONFIG_FILE (cmake/mbedtls.cmake); everything not named here is off. Each group
 * says why it is on. The aim is one modern server profile that current browsers, curl and OpenSSL all
 * accept, with no legacy algorithm an attacker could downgrade to.
 */

/* ---- Platform: freestanding (picolibc, newlib) as well as hosted Linux. ---- */

/* calloc/free come from the C library's malloc, which every board has; snprintf likewise. */
#define MBEDTLS_PLATFORM_C
/*
 * Time: session-ticket lifetimes, ticket-key rotation, the TLS 1.2 ServerHello timestamp and the HTTPS
 * client's certificate date checks need a clock, but no freestanding libc has time(), clock_gettime() or
 * gmtime_r(). tls_time.c supplies the hooks: the best-known wall time in seconds (tls_time_best), the
 * monotonic clock in milliseconds (durations only), and a gmtime_r of our own.
 */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_TIME_TYPE_MACRO long long
#define MBEDTLS_PLATFORM_TIME_MACRO tls_time_seconds
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#define MBEDTLS_PLATFORM_GMTIME_R_ALT
long long tls_time_seconds(long long *now);
/* No file system, no sockets, no threads, no /dev/urandom: the glue in tls/ provides the I/O. */
#define MBEDTLS_NO_PLATFORM_ENTROPY

/* ---- Randomness: one CTR_DRBG fed by tls_entropy.c (fails closed), shared with PSA. ---- */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
/* PSA draws from our DRBG (mbedtls_psa_external_get_random) instead of seeding a second one. */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
/* Deterministic ECDSA (RFC 6979): a signature never depends on the RNG's quality at signing time. */
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_ECDSA_DETERMINISTIC

/* ---- Primitives: AES-GCM and ChaCha20-Poly1305 (AEAD only), SHA-256/384, P-256 and X25519. ---- */
#define MBEDTLS_AES_C
/*
 * AES tables as constants in the image (not built in RAM at run time), all four of them: the 2 KiB that
 * MBEDTLS_AES_FEWER_TABLES would save cost a rotate per table lookup, and software AES is most of the
 * per-request work (bench/http_bench.py's callgrind profile).
 */
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_GCM_C
/* 8-bit GHASH tables: GHASH was a fifth of the per-request instructions with 4-bit ones; costs ~4 KiB per
 * key. */
#define MBEDTLS_GCM_LARGE_TABLE
/*
 * Assembly: bignum multiply-accumulate (bn_mul.h) on arm32 and arm64 makes every handshake's ECC
 * cheaper; on the hosted x86-64 board, AES-NI and PCLMULQDQ (detected at run time with CPUID).
 */
#define MBEDTLS_HAVE_ASM
#if defined(__x86_64__)
#define MBEDTLS_AESNI_C
#endif
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA224_C /* sha256.c builds both; the accumulator below never uses 224 */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C /* the entropy accumulator (SHA-512) and SHA-384 share sha512.c */
#define MBEDTLS_HKDF_C   /* TLS 1.3's key schedule (through PSA) */
/*
 * PBKDF2-HMAC-SHA256 for the owner's password (web/auth_password.c). The module also brings PBES2
 * decryption of password-protected keys into PK parsing; without CBC no such scheme is usable, and we
 * only ever parse our own unencrypted key.
 */
#define MBEDTLS_PKCS5_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PSA_CRYPTO_C /* TLS 1.3 in Mbed TLS 3.6 runs its key schedule and ECDHE through PSA */

/*
 * RSA, for verifying only: the HTTPS client (privacy gateway) must accept servers whose certificates are
 * RSA (most public endpoints still are). PKCS#1 v1.5 for certificate signatures, PSS for TLS 1.3's
 * CertificateVerify. Hearth never makes an RSA key.
 */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED /* public CAs sign with P-384 too */

/* ---- Keys and certificates: load and write our own ECDSA key and self-signed certificate. ---- */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CRT_WRITE_C
/* The device's CRL is written by tls_crl.c; parsing is for the unit tests and for clients' trust stores. */
#define MBEDTLS_X509_CRL_PARSE_C
/* PEM only for printing the certificate (tls.printcert=1, later an HTTP route); storage is DER. */
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_WRITE_C
#define MBEDTLS_PEM_PARSE_C

/* ---- TLS: server, and a client for outbound HTTPS; 1.3 and 1.2, ECDHE with AEAD suites. ---- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
/*
 * TLS 1.2 key exchange: ECDHE only, with an ECDSA certificate (ours) or an RSA one (servers the client
 * talks to). No static RSA (no forward secrecy), no DHE, no PSK. The CBC suites are never compiled (no
 * MBEDTLS_CIPHER_MODE_CBC), nor SHA-1 or MD5.
 */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
/* The client also accepts ECDHE with an RSA certificate; the server's own suite list stays ECDSA-only. */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
/* TLS 1.3: fresh ECDHE every time, and ECDHE-with-ticket for resumption (never pure PSK). */
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
/* Required by Mbed TLS's TLS 1.3 code; costs a copy of a client certificate we never ask for. */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
/* Middlebox compatibility (RFC 8446 D.4): OpenSSL and browsers send the dummy ChangeCipherSpec. */
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
/* RFC 7627: binds the TLS 1.2 master secret to the handshake (triple-handshake attack). */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* Resumption without server-side state: the ticket key lives in RAM and changes every boot. */
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_TICKET_C
/* Lets TLS 1.2 clients ask for small records; we honour it on output. */
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_SERVER_NAME_INDICATION /* the client sends SNI; the server parses and ignores it */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES     /* tell a failing peer why, instead of just closing */

/*
 * Record buffers, the biggest cost per connection. Input stays at the protocol's 16 KiB: a client may
 * send full-size records (browsers do not negotiate a smaller maximum), so anything less breaks
 * interoperability. Output is ours to choose: 4 KiB records keep the output buffer small and still fit
 * the largest handshake message we send (the Certificate message with one P-256 certificate, ~600 B).
 */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
/* No DTLS, so no need for the DTLS-only limits; no CID, no early data, no renegotiation. */

#endif
