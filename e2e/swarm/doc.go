// Package swarm holds the Docker deployment test: it starts a private
// Docker engine, builds the product's image from deploy/Dockerfile and
// stand-ins for the third-party images (no registry is reachable where the
// tests run), deploys deploy/docker-stack.yml on a one-node swarm and
// docker-compose.yml with docker-compose, and drives both through Nginx.
// See swarm_test.go for what each phase proves; standin/ holds the
// programs of the MongoDB and Nginx stand-ins.
//
// SKIP_DOCKER_TESTS=1 skips it; nothing else does.
package swarm
