#!/bin/sh
# SPDX-License-Identifier: ISC
# OpenSSL's view of what test_tls_crl wrote: the CRL's signature, the certificate's CRL pointer and SKI,
# and a chain check with CRL checking on. Argument: the folder test_tls_crl wrote to.
set -eu
d=$1
crl=$d/tls_crl_test.crl.der
crt=$d/tls_crl_test.crt.pem
fail() { echo "FAIL $*"; exit 1; }
out=$(openssl crl -inform DER -in "$crl" -CAfile "$crt" -verify -noout 2>&1) || fail "openssl crl -verify: $out"
echo "$out" | grep -q "verify OK" || fail "openssl crl -verify: $out"
echo "PASS openssl crl -verify: the CRL is signed by the certificate's key"
text=$(openssl crl -inform DER -in "$crl" -noout -text)
echo "$text" | grep -q "Version 2" || fail "CRL version: $text"
echo "$text" | grep -q "No Revoked Certificates" || fail "CRL not empty: $text"
echo "$text" | grep -q "X509v3 CRL Number" || fail "no CRL number: $text"
certtext=$(openssl x509 -in "$crt" -noout -text)
echo "$certtext" | grep -q "URI:http://hearth.local/crl.der" || fail "no CRL distribution point: $certtext"
ski=$(echo "$certtext" | sed -n '/Subject Key Identifier/{n;s/ //g;p}')
aki=$(echo "$text" | sed -n '/Authority Key Identifier/{n;s/ //g;s/^keyid://;p}')
[ -n "$ski" ] && [ "$ski" = "$aki" ] || fail "CRL authority key id '$aki' is not the certificate's SKI '$ski'"
echo "PASS certificate names http://hearth.local/crl.der; the CRL's key id is the certificate's SKI"
openssl crl -inform DER -in "$crl" -out "$d/tls_crl_test.crl.pem"
# The test's certificate is issued for 2026-11-27 and the CRL's thisUpdate is 02:00 that day.
out=$(openssl verify -attime 1795752000 -crl_check -CAfile "$crt" -CRLfile "$d/tls_crl_test.crl.pem" "$crt" 2>&1) ||
    fail "openssl verify -crl_check: $out"
echo "PASS openssl verify -crl_check: $out"
