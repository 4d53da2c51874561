module github.com/veille-oss/veille/schemas

go 1.26.0
