import COpenSSL
print(OpenSSL_version_num())
