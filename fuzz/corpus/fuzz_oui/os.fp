; test
[dhcp]
label = s:Windows 10/11
conf = 80
sig = 1,3,6,15,31,33,43,44,46,47,119,121,249,252
[ttl]
label = g:Linux/Unix-like
sig = 64
[other]
x = 1
