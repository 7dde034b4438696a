import OCSPCore
print("x")
