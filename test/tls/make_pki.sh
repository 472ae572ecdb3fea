#!/bin/sh
# Test PKI for the TLS tests, made fresh with the openssl command.
#
#   make_pki.sh OUTDIR
#
# OUTDIR/
#   ca.pem ca.der            root CA the client trusts
#   server.pem server.key    localhost + 127.0.0.1 + ::1 (SAN), ECDSA P-256
#   server-rsa.pem/.key      same names, RSA 2048 (a typical public server)
#   expired.pem/.key         validity ended yesterday
#   notyet.pem/.key          validity starts in a year
#   wronghost.pem/.key       for www.example.invalid only
#   selfsigned.pem/.key      localhost, signed by itself
#   untrusted.pem/.key       localhost, signed by a CA the client does not know
#   ca-rsa.pem               an RSA-2048 root CA (the RSA chain)
#   server-rsapss.pem/.key   RSA leaf under ca-rsa, certificate signed RSA-PSS
#   server-rsapkcs1.pem/.key RSA leaf under ca-rsa, certificate signed PKCS#1 v1.5
#   other.key                a key no certificate uses (wrong pin)
#   *.pin                    base64 SHA-256 of each certificate's SubjectPublicKeyInfo
set -eu
out=${1:?usage: make_pki.sh OUTDIR}
mkdir -p "$out"
cd "$out"
rm -rf db && mkdir db
: > db/index.txt
echo 1000 > db/serial

cat > ca.cnf <<'CNF'
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = db
database = db/index.txt
serial = db/serial
new_certs_dir = db
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_localhost ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[ v3_wronghost ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:www.example.invalid
CNF

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
stamp() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

# A CA: key + self-signed certificate.
make_ca() { # name cn
    ec_key "$1.key"
    openssl req -new -x509 -config ca.cnf -key "$1.key" -subj "/CN=$2" -days 3650 \
        -extensions v3_ca -out "$1.pem" 2>/dev/null
}

# A leaf signed by CA $2 with extensions $3 and validity $4..$5; arguments
# after the key file go to `openssl ca` (e.g. -sigopt for an RSA-PSS signature).
make_leaf() { # name ca ext start end [keyfile [ca options...]]
    name=$1 ca=$2 ext=$3 start=$4 end=$5
    key=${6:-$1.key}
    if [ $# -ge 6 ]; then shift 6; else shift $#; fi
    [ -f "$key" ] || ec_key "$key"
    openssl req -new -config ca.cnf -key "$key" -subj "/CN=$name test server" -out "$name.csr" 2>/dev/null
    openssl ca -batch -config ca.cnf -notext -cert "$ca.pem" -keyfile "$ca.key" -extfile ca.cnf \
        -extensions "$ext" -startdate "$start" -enddate "$end" "$@" -in "$name.csr" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr"
}

pin() { # certificate -> base64 SHA-256 of its SubjectPublicKeyInfo
    openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | openssl base64 -A
}

now=$(stamp '-1 hour')
later=$(stamp '+30 days')

make_ca ca "banklink test root CA"
openssl x509 -in ca.pem -outform der -out ca.der
make_ca otherca "unknown test CA"

make_leaf server ca v3_localhost "$now" "$later"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server-rsa.key 2>/dev/null
make_leaf server-rsa ca v3_localhost "$now" "$later"
make_leaf expired ca v3_localhost "$(stamp '-30 days')" "$(stamp '-1 day')"
make_leaf notyet ca v3_localhost "$(stamp '+365 days')" "$(stamp '+395 days')"
make_leaf wronghost ca v3_wronghost "$now" "$later"
make_leaf untrusted otherca v3_localhost "$now" "$later"

# The RSA chain: RSA root, RSA leaves whose certificates are signed with
# RSA-PSS and with PKCS#1 v1.5.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-rsa.key 2>/dev/null
openssl req -new -x509 -config ca.cnf -key ca-rsa.key -subj "/CN=banklink test RSA root CA" -days 3650 \
    -extensions v3_ca -out ca-rsa.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server-rsapss.key 2>/dev/null
make_leaf server-rsapss ca-rsa v3_localhost "$now" "$later" server-rsapss.key \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
cp server-rsapss.key server-rsapkcs1.key
make_leaf server-rsapkcs1 ca-rsa v3_localhost "$now" "$later" server-rsapkcs1.key

# Self-signed: its own CA and leaf at once.
ec_key selfsigned.key
openssl req -new -x509 -config ca.cnf -key selfsigned.key -subj "/CN=localhost" -days 30 \
    -extensions v3_localhost -out selfsigned.pem 2>/dev/null

ec_key other.key
openssl req -new -x509 -config ca.cnf -key other.key -subj "/CN=other" -days 30 \
    -extensions v3_localhost -out other.pem 2>/dev/null

for c in server server-rsa expired notyet wronghost selfsigned untrusted other; do
    pin "$c.pem" > "$c.pin"
done
echo "PKI ready in $(pwd)"
