"""Cases: the closed loop 采集→立案→派遣→处置→核查→结案→评价."""
