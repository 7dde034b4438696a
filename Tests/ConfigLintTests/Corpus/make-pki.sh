#!/bin/sh
# Generates the test PKI and OCSP responses the corpus configurations name, into $1.
# Run by the tests at test time (nothing here expires in the repository).
#
# Certificates (issued by "Staple Test Intermediate", itself issued by "Staple Test Root"):
#   leaf            OCSP URL http://localhost:8888/      leaf-noocsp   no AIA at all
#   leaf-must       OCSP URL + Must-Staple (tlsfeature)   leaf-https    OCSP URL https://localhost/
#   leaf-expired    valid 2020-01-01 .. 2020-02-01        leaf-revoked  revoked in the index
#   leaf-unlisted   issued outside the CA index: the responder answers "unknown"
#   leaf-must-noocsp  Must-Staple, no AIA     leaf-rsa      RSA 2048 key (the others are P-256), OCSP URL
#   other.key       a key no certificate belongs to
# For each NAME: NAME.pem (leaf only), NAME-full.pem (leaf + intermediate), NAME.key,
# NAME-haproxy.pem (leaf + intermediate + key), NAME-leafkey.pem (leaf + key, no issuer).
# Bundles: root.pem, intermediate.pem, ca-bundle.pem (intermediate + root).
# Responses (DER, offline with `openssl ocsp -reqin/-respout`): good.der (7 days), expired.der
# (nextUpdate 1 minute after now, the tests lint one hour later), soon.der (63 minutes: 3 minutes left
# at lint time), today.der (10 hours), nonext.der (no nextUpdate), several.der (leaf and leaf-noocsp),
# wrongcert.der (for leaf-noocsp), badsig.der (signed by an unrelated self-signed responder),
# revoked.der, unknown.der, must.der (good, for leaf-must), rsa.der (good, for leaf-rsa), garbage.der
# (random bytes).
# hashed/: intermediate.pem and root.pem under their `openssl x509 -hash` names (`c_rehash` style), for
# SSLCACertificatePath; unhashed/: the same certificates under their plain names (OpenSSL finds neither).
set -eu
out=$1
mkdir -p "$out/ca/newcerts"
cd "$out"
q() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }

q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem \
    -days 3650 -subj "/CN=Staple Test Root" -addext "basicConstraints=critical,CA:true" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout intermediate.key -out intermediate.csr \
    -subj "/CN=Staple Test Intermediate"
cat > ext.cnf <<'CNF'
[ca_ext]
basicConstraints=critical,CA:true,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
[leaf]
basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
authorityInfoAccess=OCSP;URI:http://localhost:8888/
[leaf_must]
basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
authorityInfoAccess=OCSP;URI:http://localhost:8888/
tlsfeature=status_request
[leaf_must_noocsp]
basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
tlsfeature=status_request
[leaf_rsa]
basicConstraints=CA:false
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
authorityInfoAccess=OCSP;URI:http://localhost:8888/
[leaf_noocsp]
basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
[leaf_https]
basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
authorityInfoAccess=OCSP;URI:https://localhost/
[ca]
default_ca=test_ca
[test_ca]
dir=ca
database=ca/index.txt
new_certs_dir=ca/newcerts
serial=ca/serial
default_md=sha256
policy=any
unique_subject=no
copy_extensions=none
[any]
commonName=supplied
CNF
: > ca/index.txt
echo 1000 > ca/serial
q openssl x509 -req -in intermediate.csr -CA root.pem -CAkey root.key -CAcreateserial -out intermediate.pem \
    -days 3650 -extfile ext.cnf -extensions ca_ext
cat intermediate.pem root.pem > ca-bundle.pem

issue() { # name extensions [startdate enddate]
    case $1 in
    *-rsa) keyargs="-newkey rsa:2048" ;;
    *) keyargs="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
    esac
    # shellcheck disable=SC2086
    q openssl req $keyargs -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1.staple.test"
    if [ $# -ge 4 ]; then dates="-startdate $3 -enddate $4"; else dates="-days 365"; fi
    # shellcheck disable=SC2086
    q openssl ca -batch -config ext.cnf -cert intermediate.pem -keyfile intermediate.key -in "$1.csr" -out "$1.tmp" \
        -extfile ext.cnf -extensions "$2" $dates -notext
    openssl x509 -in "$1.tmp" -out "$1.pem"
    finish "$1"
}
finish() {
    cat "$1.pem" intermediate.pem > "$1-full.pem"
    cat "$1.pem" intermediate.pem "$1.key" > "$1-haproxy.pem"
    cat "$1.pem" "$1.key" > "$1-leafkey.pem"
}
issue leaf leaf
issue leaf-must leaf_must
issue leaf-noocsp leaf_noocsp
issue leaf-must-noocsp leaf_must_noocsp
issue leaf-rsa leaf_rsa
issue leaf-https leaf_https
issue leaf-expired leaf 20200101000000Z 20200201000000Z
issue leaf-revoked leaf
q openssl ca -config ext.cnf -cert intermediate.pem -keyfile intermediate.key -revoke leaf-revoked.pem -crl_reason keyCompromise
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf-unlisted.key -out leaf-unlisted.csr \
    -subj "/CN=leaf-unlisted.staple.test"
q openssl x509 -req -in leaf-unlisted.csr -CA intermediate.pem -CAkey intermediate.key -set_serial 0x7777 \
    -out leaf-unlisted.pem -days 365 -extfile ext.cnf -extensions leaf
finish leaf-unlisted
q openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out other.key
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout rogue.key -out rogue.pem -days 365 \
    -subj "/CN=Rogue Responder"

respond() { # out.der validity-args signer key certs...
    name=$1; validity=$2; signer=$3; key=$4; shift 4
    args=""
    for cert in "$@"; do args="$args -cert $cert"; done
    # shellcheck disable=SC2086
    q openssl ocsp -issuer intermediate.pem $args -no_nonce -reqout "$name.req"
    # shellcheck disable=SC2086
    q openssl ocsp -index ca/index.txt -CA intermediate.pem -rsigner "$signer" -rkey "$key" -reqin "$name.req" \
        -respout "$name" $validity
}
respond good.der "-ndays 7" intermediate.pem intermediate.key leaf.pem
respond must.der "-ndays 7" intermediate.pem intermediate.key leaf-must.pem
respond expired.der "-nmin 1" intermediate.pem intermediate.key leaf.pem
respond soon.der "-nmin 63" intermediate.pem intermediate.key leaf.pem
respond today.der "-nmin 600" intermediate.pem intermediate.key leaf.pem
respond nonext.der "" intermediate.pem intermediate.key leaf.pem
respond several.der "-ndays 7" intermediate.pem intermediate.key leaf.pem leaf-noocsp.pem
respond rsa.der "-ndays 7" intermediate.pem intermediate.key leaf-rsa.pem
respond wrongcert.der "-ndays 7" intermediate.pem intermediate.key leaf-noocsp.pem
respond badsig.der "-ndays 7" rogue.pem rogue.key leaf.pem
respond revoked.der "-ndays 7" intermediate.pem intermediate.key leaf-revoked.pem
respond unknown.der "-ndays 7" intermediate.pem intermediate.key leaf-unlisted.pem
head -c 300 /dev/urandom > garbage.der
mkdir -p hashed unhashed
for cert in intermediate root; do
    cp "$cert.pem" "hashed/$(openssl x509 -hash -noout -in "$cert.pem").0"
    cp "$cert.pem" "unhashed/$cert.pem"
done
mkdir -p run/tmp
