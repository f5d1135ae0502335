#!/bin/bash
# make-certs.sh DIR - test certificates for the TLS input's tests, made at test time with
# the openssl CLI (no private key is committed): in DIR, a CA (ca.crt), a server
# certificate for 127.0.0.1/localhost signed by it (server.crt, server.key), a client
# certificate signed by it (client.crt, client.key), and a client of another CA
# (other-client.crt, other-client.key; other-ca.crt). EC P-256 keys, valid for 2 days.
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
ca() {
    key "$1"
    openssl req -x509 -new -key "$1.key" -subj "/CN=cefguard test $1" -days 2 -out "$1.crt" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
# leaf NAME CA EXT
leaf() {
    key "$1"
    openssl req -new -key "$1.key" -subj "/CN=cefguard test $1" -out "$1.csr"
    printf '%s\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 \
        -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
ca ca
ca other-ca
leaf server ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf client ca "extendedKeyUsage=clientAuth"
leaf other-client other-ca "extendedKeyUsage=clientAuth"
rm -f ./*.srl
