#!/bin/sh
# A P-256 CA, ECDSA and RSA leaves for bench.test, good staples from openssl ocsp, state dirs.
set -e
d=$1; mkdir -p $d; cd $d
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -subj /CN=BenchCA -days 30 -out ca.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
: > index.txt; echo "unique_subject = no" > index.txt.attr
for k in ec rsa; do
  if [ $k = ec ]; then openssl ecparam -name prime256v1 -genkey -noout -out $k.key; else openssl genrsa -out $k.key 2048 2>/dev/null; fi
  openssl req -new -key $k.key -subj /CN=bench.test -out $k.csr
  printf "subjectAltName=DNS:bench.test\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:9/\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" > ext.cnf
  openssl x509 -req -in $k.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 10 -extfile ext.cnf -out $k.leaf.pem 2>/dev/null
  cat $k.leaf.pem ca.pem > $k.pem
  serial=$(openssl x509 -in $k.leaf.pem -noout -serial | cut -d= -f2)
  end=$(openssl x509 -in $k.leaf.pem -noout -enddate | cut -d= -f2)
  printf "V\t%s\t\t%s\tunknown\t/CN=bench.test\n" "$(date -u -d "$end" +%y%m%d%H%M%SZ)" "$serial" >> index.txt
done
for k in ec rsa; do
  openssl ocsp -issuer ca.pem -cert $k.leaf.pem -reqout $k.req -no_nonce >/dev/null
  openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA ca.pem -reqin $k.req -respout $k.ocsp -ndays 7 >/dev/null 2>&1
  mkdir -p state-$k
  h=$(openssl x509 -in $k.leaf.pem -outform DER | sha256sum | cut -d' ' -f1)
  cp $k.ocsp state-$k/$h.ocsp
done
ls
