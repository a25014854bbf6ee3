print("remitctl")
