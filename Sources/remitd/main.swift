print("remitd")
