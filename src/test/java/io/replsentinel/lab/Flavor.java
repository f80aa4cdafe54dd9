package io.replsentinel.lab;

/** The two server families the lab can run. They cannot replicate from each other. */
public enum Flavor {
    MYSQL,
    MARIADB
}
