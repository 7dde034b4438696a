print("EngineBenchmark: not yet")
