module github.com/veille-oss/veille/deploy/demo

go 1.26.0
