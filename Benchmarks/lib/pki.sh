# Sourced by the benchmark scripts (bash, set -euo pipefail): a throwaway P-256 CA whose index
# `openssl ca` writes, the leaves it issues, and a leaf's OCSP request as a GET path.
#
#   . "$(dirname "$0")/../lib/pki.sh"
#   cd "$DIR"
#   pki_ca "$DIR" "Bench CA" "subjectAltName = DNS:x.test"   # ca.key ca.pem ca.cnf index.txt serial newcerts/
#   pki_leaf x.test                                          # leaf.key leaf.csr leaf.pem, in index.txt
#   GETPATH=$(pki_get_path ca.pem leaf.pem)                  # writes req.der
#
# Files go to the current directory, which must be the CA directory given to pki_ca.

# pki_ca DIR CN [LEAF_EXTENSION_LINE...]: the CA (30 days) and its `openssl ca` configuration; the
# lines are added to the leaves' extension section after basicConstraints = CA:FALSE.
pki_ca() {
    local dir=$1 cn=$2; shift 2
    mkdir -p newcerts
    : > index.txt
    echo "unique_subject = no" > index.txt.attr
    echo 1000 > serial
    {
        cat <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $dir
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
serial = \$dir/serial
default_md = sha256
default_days = 30
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ leaf_ext ]
basicConstraints = CA:FALSE
CNF
        for line in "$@"; do echo "$line"; done
    } > ca.cnf
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
        -subj "/CN=$cn" -days 30 2>/dev/null
}

# pki_leaf CN: a P-256 leaf issued by `openssl ca` (so index.txt has its V line): leaf.key, leaf.pem.
pki_leaf() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
        -subj "/CN=$1" 2>/dev/null
    openssl ca -batch -config ca.cnf -in leaf.csr -out leaf.pem -extensions leaf_ext -notext 2>/dev/null
}

# pki_get_path ISSUER CERT: writes the OCSP request for CERT (no nonce) to req.der and prints the
# RFC 6960 appendix A GET path for it: "/" and the URL-encoded base64 of the DER.
pki_get_path() {
    openssl ocsp -issuer "$1" -cert "$2" -no_nonce -reqout req.der 2>/dev/null
    echo "/$(base64 -w0 req.der | sed -e 's/+/%2B/g' -e 's/\//%2F/g' -e 's/=/%3D/g')"
}

# pki_fetch_good URL OUT: fetches URL (a responder's GET URL for leaf.pem) into OUT, readable by
# nginx's workers, and fails unless openssl finds it a good answer for leaf.pem signed for ca.pem.
pki_fetch_good() {
    curl -s -o "$2" "$1"
    chmod 644 "$2"
    openssl ocsp -respin "$2" -issuer ca.pem -cert leaf.pem -CAfile ca.pem 2>&1 | grep -q "leaf.pem: good"
}
