# packaging: make deb, make rpm
